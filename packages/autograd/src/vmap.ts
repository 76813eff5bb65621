/**
 * vmap: vectorising map. `vmap(f)(X)` equals stacking `f(x_i)` over the examples x_i of X, but f
 * runs once: each argument becomes a BatchTracer (per-example shape, the batch underneath), and
 * every primitive f calls is claimed by this vmap level's interpreter, which runs the primitive's
 * batching rule (batching-rules.ts) on the whole batch: one batched kernel per primitive.
 *
 * Levels: a vmap takes its level id from the same counter as grad/vjp (tape.ts), so transforms
 * nest in any order. Ops inside a batching rule run on the tensors underneath, where enclosing
 * transforms see them (grad outside vmap differentiates the batched ops); ops on the tracers are
 * also reported to observers, so a grad inside vmap records the per-example graph, and its
 * backward pass, run on tracers, is batched too: vmap(grad(f)) gives per-example gradients.
 */
import {
  detach,
  expand,
  type Interpreter,
  type OutMeta,
  type Prim,
  type PrimAttrs,
  pushInterpreter,
  reshape,
  type Tensor,
  TensorError,
  transpose,
} from '@webgrad/tensor';
import { BatchTracer } from './batch-tracer.js';
import { BATCH_RULES, type Batched, type BatchRule } from './batching-rules.js';
import { closeLevel, openLevel, withLevelsFromSuspended } from './tape.js';
import { type AxisSpec, mapAxes, normalizeBatchAxis } from './vmap-axes.js';

export type { AxisSpec } from './vmap-axes.js';

/** Options of `vmap`: which axis of each argument and of each result is the batch. */
export interface VmapOptions {
  /**
   * The batch axis of each argument: one number or null for all of them, or an array with one
   * entry per argument, each a number, null (not batched: the same for every example) or a
   * prefix of that argument's tree of Tensors. Default 0.
   */
  inAxes?: AxisSpec;
  /** Where the batch axis goes in each output (same forms, over the output's tree). Default 0. */
  outAxes?: AxisSpec;
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** One vmap level: owns the tracers of its level and batches the ops on them. */
class BatchInterpreter implements Interpreter {
  constructor(
    readonly level: number,
    readonly size: number,
  ) {}

  owns(t: Tensor): boolean {
    return t instanceof BatchTracer && t.level === this.level;
  }

  apply<P extends Prim>(prim: P, inputs: readonly Tensor[], attrs: PrimAttrs[P], out: OutMeta): Tensor {
    const xs: Batched[] = inputs.map((t) =>
      this.owns(t)
        ? { value: (t as BatchTracer).physical, bdim: (t as BatchTracer).bdim }
        : { value: t, bdim: undefined },
    );
    const rule = BATCH_RULES[prim] as BatchRule<Prim>;
    // The rule's ops on the batch are seen by the levels opened before this vmap only: a grad or
    // jvp opened inside f sees the per-example op (on tracers) that dispatch reports afterwards.
    const ctx = { prim, size: this.size, out };
    const { value, bdim } = withLevelsFromSuspended(this.level, () => rule(xs as never, attrs as never, ctx));
    const got = value.shape.filter((_, i) => i !== bdim);
    if (value.shape[bdim] !== this.size || got.join() !== out.shape.join() || value.dtype !== out.dtype) {
      throw new TensorError(
        'backend',
        `vmap: the batching rule of ${prim} returned ${fmt(value.shape)} ${value.dtype} with the batch on axis ${bdim}, expected ${fmt(out.shape)} ${out.dtype} per example and a batch of ${this.size} (a bug in batching-rules.ts)`,
      );
    }
    return new BatchTracer(value, bdim, this.level);
  }

  detach(t: Tensor): Tensor {
    const b = t as BatchTracer;
    return new BatchTracer(detach(b.physical), b.bdim, this.level);
  }
}

/** The argument list with each batched Tensor replaced by a tracer; checks axes and sizes. */
function traceArguments(args: unknown[], inAxes: AxisSpec, level: number): { traced: unknown[]; size: number } {
  if (Array.isArray(inAxes) && inAxes.length !== args.length) {
    throw new TensorError(
      'value',
      `vmap: inAxes has ${inAxes.length} entries for ${args.length} arguments; give one per argument (or one number/null for all)`,
    );
  }
  const batched: { tracer: BatchTracer; path: string }[] = [];
  const specFor = (i: number) => (Array.isArray(inAxes) ? (inAxes as readonly AxisSpec[])[i] : inAxes);
  const traced = args.map((a, i) =>
    mapAxes(a, specFor(i), 'inAxes', `argument ${i}`, (t, axis, path) => {
      if (axis === null) return t;
      const tracer = new BatchTracer(t, normalizeBatchAxis(axis, t.ndim, 'inAxes', path, fmt(t.shape)), level);
      batched.push({ tracer, path });
      return tracer;
    }),
  );
  const first = batched[0];
  if (!first) {
    throw new TensorError('value', 'vmap: inAxes marks no argument as batched; give at least one Tensor a batch axis');
  }
  const size = first.tracer.batchSize;
  if (batched.some((b) => b.tracer.batchSize !== size)) {
    const sizes = batched.map((b) => `${b.path} has ${b.tracer.batchSize} on axis ${b.tracer.bdim}`).join(', ');
    throw new TensorError('shape', `vmap: the batched arguments disagree on the batch size: ${sizes}`);
  }
  return { traced, size };
}

/** One output leaf as a whole batch, with its batch on `axis` (or unbatched for null). */
function untrace(t: Tensor, axis: number | null, path: string, level: number, size: number): Tensor {
  const mine = t instanceof BatchTracer && t.level === level;
  if (axis === null) {
    if (mine) {
      throw new TensorError(
        'value',
        `vmap: outAxes is null for ${path}, but it depends on the batched arguments (${fmt(t.shape)} per example); give it a batch axis`,
      );
    }
    return t;
  }
  const to = normalizeBatchAxis(axis, t.ndim + 1, 'outAxes', path, `${fmt(t.shape)} per example`);
  if (!mine) {
    // The same for every example: broadcast it along a new batch axis.
    const shape = [...t.shape];
    shape.splice(to, 0, 1);
    const full = [...shape];
    full[to] = size;
    return expand(reshape(t, shape), full);
  }
  const { physical, bdim } = t;
  if (bdim === to) return physical;
  const order = physical.shape.map((_, i) => i).filter((i) => i !== bdim);
  order.splice(to, 0, bdim);
  return transpose(physical, order);
}

/**
 * Vectorises `f` over a batch axis of its arguments: `vmap(f)(X)` equals stacking `f(x_i)` over
 * the examples x_i of X, computed by one batched kernel per primitive instead of a loop. Inside
 * f, tensors have their per-example shapes, and their values cannot be read; tensors f creates
 * (zeros, randn, constants) are the same for every example. Arguments and results may be trees
 * (arrays, objects) of Tensors; composes with grad, vjp, jvp and vmap itself.
 * @example
 *   // per-example gradients of a loss over a batch of inputs, with shared parameters w
 *   const perExample = vmap(grad(loss), { inAxes: [null, 0] })(w, xs); // [B, ...w.shape]
 *   // a batched dot product, with the batch of b on its last axis
 *   const dots = vmap((a: Tensor, b: Tensor) => a.mul(b).sum(), { inAxes: [0, -1] })(A, B);
 * @typeParam F - f's type: the vectorised function takes the same arguments and returns the same type.
 */
export function vmap<F extends (...args: never[]) => unknown>(
  f: F,
  opts: VmapOptions = {},
): (...args: Parameters<F>) => ReturnType<F> {
  const { inAxes = 0, outAxes = 0 } = opts;
  return (...args) => {
    const level = openLevel();
    let pop: (() => void) | undefined;
    try {
      const { traced, size } = traceArguments(args, inAxes, level);
      pop = pushInterpreter(new BatchInterpreter(level, size));
      const result = (f as unknown as (...xs: unknown[]) => unknown)(...traced);
      if (result instanceof Promise) {
        throw new TypeError('vmap: f returned a Promise; only synchronous functions can be vectorised');
      }
      return mapAxes(result, outAxes, 'outAxes', 'the output', (t, axis, path) =>
        untrace(t, axis, path, level, size),
      ) as ReturnType<F>;
    } finally {
      pop?.();
      closeLevel(level);
    }
  };
}
