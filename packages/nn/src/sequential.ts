/**
 * Sequential: layers applied in order, as torch.nn.Sequential. Layers are stored as fields named
 * '0', '1', ..., so parameter names match PyTorch's (`0.weight`, `2.bias`). A step may also be a
 * plain function of a tensor (an activation): it has no state and keeps its index.
 */
import { type Tensor, TensorError } from '@webgrad/tensor';
import { Module } from './module.js';

/** A layer with a one-tensor forward, or a function such as `relu`. */
export type SequentialStep = Module | ((x: Tensor) => Tensor);

/** Modules (or functions) applied in order, as torch.nn.Sequential. */
export class Sequential extends Module {
  readonly #steps: SequentialStep[];

  /**
   * @example
   *   const mlp = new Sequential(new Linear(4, 16), relu, new Linear(16, 1));
   *   mlp.forward(x); mlp.namedParameters().map(([n]) => n) // ['0.weight', '0.bias', '2.weight', '2.bias']
   */
  constructor(...steps: SequentialStep[]) {
    super();
    steps.forEach((s, i) => {
      const ok =
        s instanceof Module ? typeof (s as { forward?: unknown }).forward === 'function' : typeof s === 'function';
      if (!ok) throw new TensorError('value', `Sequential: step ${i} is neither a Module with forward nor a function`);
      (this as unknown as Record<string, SequentialStep>)[String(i)] = s;
    });
    this.#steps = steps;
  }

  get length(): number {
    return this.#steps.length;
  }

  /** Step `i` (negative counts from the end). */
  at(i: number): SequentialStep | undefined {
    return this.#steps.at(i);
  }

  /** Applies each step to the output of the one before. */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const s of this.#steps)
      y = s instanceof Module ? (s as Module & { forward(t: Tensor): Tensor }).forward(y) : s(y);
    return y;
  }
}
