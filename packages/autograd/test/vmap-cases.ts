/**
 * Batched cases for the vmap suites (CPU and WebGPU), built from op-spec cases: a batch size,
 * per-operand inAxes (null or any axis, negative ones included) and an outAxes. The examples of
 * an operand are shuffles of the case's drawn values, so each stays inside the row's domain
 * (positive for log, valid indices for gather, ...); the batched argument stacks them on its
 * in axis and keeps the case's memory layout.
 */
import type { Tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { type MaterializeOptions, materialize, toRef } from '../../tensor/test/spec/materialize.js';
import type { OpCase, Operand, Ref } from '../../tensor/test/spec/op-specs.js';
import { permuteRef } from '../../tensor/test/spec/references.js';

const OPTS: MaterializeOptions = { dtype: 'float64', device: 'cpu' };

export interface Batching {
  size: number;
  /** Per operand: null (unbatched) or an axis in [-(r + 1), r]. */
  inAxes: (number | null)[];
  /** Reduced modulo the output rank + 1 once that is known (negative half of the time). */
  outAxis: number;
  seed: number;
}

export function batching(c: OpCase): fc.Arbitrary<Batching> {
  const axis = (op: Operand) =>
    fc.option(fc.integer({ min: -op.shape.length - 1, max: op.shape.length }), { nil: null });
  return fc.record({
    size: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 3 }), weight: 6 }, { arbitrary: fc.constant(0), weight: 1 }),
    inAxes: fc.tuple(...c.inputs.map(axis)),
    outAxis: fc.integer({ min: -6, max: 6 }),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
  });
}

/** A deterministic shuffle (mulberry32-driven Fisher-Yates) of `data`. */
function shuffled(data: readonly number[], seed: number): number[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  const out = [...data];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

/** Example i of operand k: the drawn values for i = 0, shuffles of them after. */
function exampleOf(op: Operand, k: number, i: number, seed: number): Operand {
  return i === 0 ? op : { ...op, data: shuffled(op.data, seed + 7919 * k + 104729 * i) };
}

/** `refs` (one shape) stacked along a new axis `axis`. */
export function stackRefs(refs: readonly Ref[], shape: readonly number[], axis: number): Ref {
  const stacked: Ref = { shape: [refs.length, ...shape], data: refs.flatMap((r) => r.data) };
  const perm = stacked.shape.map((_, i) => i).slice(1);
  perm.splice(axis, 0, 0);
  return permuteRef(stacked, perm);
}

export function normalized(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

export interface Prepared {
  /** The vmap arguments (batched operands stacked on their in axis, in the case's layout). */
  args: Tensor[];
  inAxes: (number | null)[];
  /** Per example, its operands. */
  examples: Tensor[][];
}

export function prepare(c: OpCase, b: Batching, opts: MaterializeOptions = OPTS): Prepared {
  const inAxes = [...b.inAxes];
  if (!inAxes.some((a) => a !== null)) inAxes[0] = 0; // vmap needs one batched argument
  const examples = Array.from({ length: b.size }, (_, i) =>
    c.inputs.map((op, k) =>
      materialize(inAxes[k] === null ? op : { ...exampleOf(op, k, i, b.seed), layout: 'contiguous' }, opts),
    ),
  );
  const args = c.inputs.map((op, k) => {
    const a = inAxes[k];
    if (a === null || a === undefined) return materialize(op, opts);
    const refs = Array.from({ length: b.size }, (_, i) => exampleOf(op, k, i, b.seed));
    const stacked = stackRefs(refs, op.shape, normalized(a, op.shape.length + 1));
    return materialize({ ...stacked, kind: op.kind, layout: op.layout }, opts);
  });
  return { args, inAxes, examples };
}

/** f(x_i) for every example, stacked on `axis` (shape from the drawn operands when there are none). */
export async function loopReference(
  f: (xs: Tensor[]) => Tensor | Tensor[],
  c: OpCase,
  p: Prepared,
  outAxis: number,
  opts: MaterializeOptions = OPTS,
): Promise<Ref[]> {
  const probe = [f(c.inputs.map((op) => materialize(op, opts)))].flat();
  const outs = await Promise.all(p.examples.map(async (xs) => Promise.all([f(xs)].flat().map(toRef))));
  return probe.map((t, j) =>
    stackRefs(
      outs.map((o) => o[j] as Ref),
      t.shape,
      normalized(outAxis, t.ndim + 1),
    ),
  );
}

export function outAxisFor(b: Batching, rank: number): number {
  const n = rank + 1;
  const a = ((b.outAxis % n) + n) % n;
  return b.outAxis < 0 ? a - n : a;
}
