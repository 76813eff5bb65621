/**
 * The cotangents of one backward pass and their lifetimes, kept apart from the chain-rule loop
 * (backward.ts): which tensor has which cotangent, how many entries hold each cotangent tensor,
 * and which cotangents the engine made itself, so it can free them as soon as nothing holds them.
 * A cotangent is never freed while an open level can see it (it is traced, or a recorded op took
 * it as an operand: "pinned"), because an outer level differentiating this pass still needs it.
 */
import { add, detach, type Tensor } from '@webgrad/tensor';
import { isTraced } from './tape.js';

export class Cotangents {
  /** tensor -> its cotangent so far. */
  readonly grads: Map<Tensor, Tensor>;
  /** How many entries of `grads` hold each cotangent tensor. */
  private readonly uses = new Map<Tensor, number>();
  private readonly pinned = new Set<Tensor>();
  /** Tensors with a larger id were made during the pass: the engine's own. */
  private readonly firstOwnedId: number;

  /** `ownSeed`: the seed was made for this pass and may be freed once consumed. */
  constructor(
    root: Tensor,
    private readonly seed: Tensor,
    private readonly ownSeed: boolean,
  ) {
    this.grads = new Map([[root, seed]]);
    this.uses.set(seed, 1);
    const marker = detach(seed);
    this.firstOwnedId = marker.id;
    marker.dispose();
  }

  get(t: Tensor): Tensor | undefined {
    return this.grads.get(t);
  }

  /** `g` is an operand of ops an open level records: it must outlive the pass. */
  pin(g: Tensor): void {
    this.pinned.add(g);
  }

  /** x's cotangent += gi (a tensor used more than once: a diamond). */
  accumulate(x: Tensor, gi: Tensor): void {
    const prev = this.grads.get(x);
    if (!prev) {
      this.store(x, gi);
      return;
    }
    const total = add(prev, gi);
    if (isTraced(total)) this.pinned.add(prev).add(gi);
    this.store(x, total);
    this.release(prev);
    if (!this.uses.has(gi)) this.release(gi);
  }

  /** t's cotangent has been pushed to its inputs: forget it, and free it when nothing holds it. */
  drop(t: Tensor): void {
    const g = this.grads.get(t);
    if (!g) return;
    this.grads.delete(t);
    this.release(g);
  }

  private owned(t: Tensor): boolean {
    return t.id > this.firstOwnedId || (this.ownSeed && t === this.seed);
  }

  private store(t: Tensor, g: Tensor): void {
    this.grads.set(t, g);
    this.uses.set(g, (this.uses.get(g) ?? 0) + 1);
  }

  private release(t: Tensor): void {
    const n = (this.uses.get(t) ?? 1) - 1;
    if (n > 0) this.uses.set(t, n);
    else {
      this.uses.delete(t);
      if (this.owned(t) && !this.pinned.has(t) && !isTraced(t)) t.dispose();
    }
  }
}
