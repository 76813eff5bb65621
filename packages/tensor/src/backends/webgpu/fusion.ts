/**
 * Lazy elementwise fusion, invisible to dispatch and autograd. `record` gives an elementwise
 * result a pending expression (its op over its operands) instead of dispatching; the expression
 * DAG is compiled into one kernel (wgsl/fused.ts) when the result is materialised:
 * - a non-elementwise kernel reads it, or it is read back (backend.ts calls `materialize`);
 * - a consumer views it other than as its own contiguous elements (broadcast, transpose, slice);
 * - a new op would push the DAG past MAX_OPS ops or the binding limit (its operands go first).
 *
 * Lifetime: every operand of a pending expression counts as a reader of its handle (`readers`),
 * so its buffer is not returned to the pool, even when its tensor is disposed, until no pending
 * expression reads it. Freeing a pending handle that was never materialised just drops its
 * expression and releases its operands; nothing runs.
 */
import type { View } from '../../backend.js';
import type { DType } from '../../dtype.js';
import type { KernelPrim } from '../../prims.js';
import { contiguousStrides } from '../../shape.js';
import type { BufferPool, GpuHandle } from './buffers.js';
import { type Program, wgslType } from './wgsl/common.js';
import { castExpr, exprFor } from './wgsl/elementwise.js';
import { type FusedValue, fusedProgram } from './wgsl/fused.js';

/** Ops per fused kernel before operands are materialised (bounds kernel size and compile time). */
export const MAX_OPS = 48;

type Arg = { kind: 'leaf'; view: View<GpuHandle> } | { kind: 'ref'; handle: GpuHandle };

/** A pending elementwise result: `op` applied to `args` (each a reader of its handle). */
export interface PendingExpr {
  op: string;
  expr: string;
  argTypes: string[];
  outType: string;
  args: Arg[];
  /** The result's shape (consumers may read it under another shape with the same layout). */
  shape: readonly number[];
  /** Upper bounds on the ops and on the bound (non-constant) leaf reads in the DAG. */
  ops: number;
  views: number;
}

/** The prims that fuse: elementwise ops, casts and contiguous copies. */
export function isFusible(prim: KernelPrim, kind: string): boolean {
  return kind === 'unary' || kind === 'binary' || kind === 'ternary' || prim === 'contiguous';
}

/** True when `v` reads its whole handle as contiguous elements from 0 (a pending result as is). */
function isIdentity(v: View<GpuHandle>): boolean {
  if (v.offset !== 0) return false;
  const size = v.shape.reduce((a, b) => a * b, 1);
  if (size * 4 !== v.handle.bytes) return false;
  const want = contiguousStrides(v.shape);
  return v.shape.every((d, i) => d === 1 || v.strides[i] === want[i]);
}

function exprOf(prim: KernelPrim, inputs: readonly View<GpuHandle>[], out: View<GpuHandle>): string {
  if (prim === 'contiguous') return 'x';
  const x = inputs[0] as View<GpuHandle>;
  if (prim === 'cast') return castExpr(x.dtype, out.dtype);
  return exprFor(prim, (inputs[prim === 'where' ? 1 : 0] as View<GpuHandle>).dtype);
}

export class Fuser {
  /** Bound buffers per kernel besides the output (the adapter's per-stage limit, at most 12). */
  readonly maxInputs: number;

  constructor(
    private readonly pool: BufferPool,
    maxStorageBuffers: number,
    private readonly run: (p: Program<GpuHandle>) => void,
  ) {
    this.maxInputs = Math.max(3, Math.min(12, maxStorageBuffers - 1));
  }

  /** Makes `out` a pending result of `prim` on `inputs` (out: fresh, contiguous, offset 0). */
  record(prim: KernelPrim, inputs: readonly View<GpuHandle>[], out: View<GpuHandle>): void {
    const args = inputs.map((v): Arg => {
      if (v.handle.pending && !isIdentity(v)) this.materialize(v.handle);
      return v.handle.pending ? { kind: 'ref', handle: v.handle } : { kind: 'leaf', view: v };
    });
    const node: PendingExpr = {
      op: prim,
      expr: exprOf(prim, inputs, out),
      argTypes: inputs.map((v) => wgslType(v.dtype, prim)),
      outType: wgslType(out.dtype, prim),
      args,
      shape: [...out.shape],
      ops: 0,
      views: 0,
    };
    // Too big: materialise the largest pending operand until the DAG fits.
    for (;;) {
      bound(node);
      if (node.ops <= MAX_OPS && node.views <= this.maxInputs) break;
      const refs = args.filter((a) => a.kind === 'ref' && a.handle.pending) as { handle: GpuHandle }[];
      if (refs.length === 0) break;
      const sizes = refs.map((a) => (a.handle.pending as PendingExpr).ops);
      this.materialize((refs[sizes.indexOf(Math.max(...sizes))] as { handle: GpuHandle }).handle);
    }
    for (const a of args) (a.kind === 'ref' ? a.handle : a.view.handle).readers++;
    out.handle.pending = node;
  }

  /** Runs `h`'s pending expression (if any) as one kernel writing `h`. */
  materialize(h: GpuHandle): void {
    const node = h.pending;
    if (!node) return;
    const values: FusedValue<GpuHandle>[] = [];
    const ops: string[] = [];
    const memo = new Map<PendingExpr | string, number>();
    const ids = new Map<GpuHandle, number>();
    const leaf = (view: View<GpuHandle>): number => {
      const h = view.handle;
      if (!ids.has(h)) ids.set(h, ids.size);
      const key = `${ids.get(h)}:${view.shape}:${view.strides}:${view.offset}`;
      let j = memo.get(key);
      if (j === undefined) {
        const bits = h.constant;
        j = values.push(bits === undefined ? { kind: 'leaf', view } : { kind: 'leaf', view, bits }) - 1;
        memo.set(key, j);
      }
      return j;
    };
    const walk = (n: PendingExpr): number => {
      let j = memo.get(n);
      if (j !== undefined) return j;
      const args = n.args.map((a) => {
        if (a.kind === 'leaf') return leaf(a.view);
        if (a.handle.pending) return walk(a.handle.pending);
        // Materialised since it was recorded: read it as the contiguous result it is.
        const dtype = dtypeOfType(n.argTypes[n.args.indexOf(a)] as string);
        return leaf({ handle: a.handle, dtype, shape: [a.handle.bytes / 4], strides: [1], offset: 0 });
      });
      ops.push(n.op);
      j = values.push({ kind: 'op', op: n.op, expr: n.expr, args, argTypes: n.argTypes, outType: n.outType }) - 1;
      memo.set(n, j);
      return j;
    };
    walk(node);
    const label = `fused(${ops.length > 12 ? `${ops.slice(0, 12).join(', ')}, ...` : ops.join(', ')})`;
    const out: View<GpuHandle> = {
      handle: h,
      dtype: dtypeOfType(node.outType),
      shape: node.shape,
      strides: contiguousStrides(node.shape),
      offset: 0,
    };
    h.pending = undefined;
    try {
      this.run(fusedProgram(values, out, label));
    } finally {
      this.releaseArgs(node);
    }
  }

  /** Called when `h`'s owner lets go: drops it once no pending expression reads it. */
  drop(h: GpuHandle): void {
    if (!h.freed || h.readers > 0 || h.dead) return;
    const node = h.pending;
    h.pending = undefined;
    this.pool.release(h);
    if (node) this.releaseArgs(node);
  }

  private releaseArgs(node: PendingExpr): void {
    for (const a of node.args) {
      const h = a.kind === 'ref' ? a.handle : a.view.handle;
      h.readers--;
      this.drop(h);
    }
  }
}

/**
 * Sets `node.ops` and `node.views` from its operands, counting shared subexpressions once per
 * use (an over-estimate). A pending operand counts at least one view: if it is materialised
 * later, it becomes exactly one, so the bound still holds.
 */
function bound(node: PendingExpr): void {
  node.ops = 1;
  node.views = 0;
  for (const a of node.args) {
    const p = a.kind === 'ref' ? a.handle.pending : undefined;
    if (p) {
      node.ops += p.ops;
      node.views += Math.max(1, p.views);
    } else if ((a.kind === 'ref' ? a.handle : a.view.handle).constant === undefined) {
      node.views++;
    }
  }
}

/** The dtype a WGSL storage type stands for (bool is stored as u32). */
function dtypeOfType(t: string): DType {
  return t === 'f32' ? 'float32' : t === 'i32' ? 'int32' : 'bool';
}
