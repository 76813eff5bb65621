/**
 * The WebGPU kernel table: one entry per kernel primitive, each returning the dispatches that
 * compute it (typed `satisfies Record<KernelPrim, ...>`, so a new primitive does not compile
 * without one). Operands arrive as dispatch guarantees them (see prims.ts).
 *
 * A GPU kernel cannot throw where the CPU does: gather and scatterAdd flag an out-of-range index
 * in the index-check buffer (index-checks.ts) and the backend raises at the next readback.
 */
import type { View } from '../../backend.js';
import { fail, fmtShape } from '../../errors.js';
import type { KernelPrim, PrimAttrs } from '../../prims.js';
import type { GpuHandle } from './buffers.js';
import type { CheckedOp, CheckSlot } from './index-checks.js';
import type { Program } from './wgsl/common.js';
import { castProgram, elementwiseProgram, exprFor } from './wgsl/elementwise.js';
import { matmulProgram } from './wgsl/matmul.js';
import { gatherProgram, padProgram, scatterAddProgram } from './wgsl/movement.js';
import { reducePrograms } from './wgsl/reduce.js';
import { argsortProgram } from './wgsl/sort.js';

type V = View<GpuHandle>;
/** `temp(elements)`: scratch storage, released once the kernel's dispatches are encoded. */
type GpuKernel<P extends KernelPrim> = (
  inputs: readonly V[],
  out: V,
  attrs: PrimAttrs[P],
  temp: (elements: number) => GpuHandle,
  check: (op: CheckedOp) => CheckSlot,
) => Program<GpuHandle>[];

/** An elementwise op whose expression depends on the operand dtype (`where`: on its values). */
const ew =
  (op: string): GpuKernel<KernelPrim> =>
  (inputs, out) => {
    const dtype = (inputs[op === 'where' ? 1 : 0] as V).dtype;
    return [elementwiseProgram(op, exprFor(op, dtype), inputs, out)];
  };

/** The window of `out` starting at `start` on `axis`, shaped like `piece`. */
function windowOf(out: V, piece: V, axis: number, start: number): V {
  return { ...out, shape: piece.shape, offset: out.offset + start * (out.strides[axis] as number) };
}

export const KERNELS = {
  neg: ew('neg'),
  exp: ew('exp'),
  log: ew('log'),
  sqrt: ew('sqrt'),
  sin: ew('sin'),
  cos: ew('cos'),
  tanh: ew('tanh'),
  erf: ew('erf'),
  floor: ew('floor'),
  cast: ([x], out) => [castProgram(x as V, out)],
  add: ew('add'),
  sub: ew('sub'),
  mul: ew('mul'),
  div: ew('div'),
  pow: ew('pow'),
  max: ew('max'),
  cmplt: ew('cmplt'),
  cmpeq: ew('cmpeq'),
  floorDiv: ew('floorDiv'),
  remainder: ew('remainder'),
  where: ew('where'),
  sum: ([x], out, { axes }, temp) => reducePrograms('sum', x as V, out, axes, temp),
  maxReduce: ([x], out, { axes }, temp) => reducePrograms('maxReduce', x as V, out, axes, temp),
  prod: ([x], out, { axes }, temp) => reducePrograms('prod', x as V, out, axes, temp),
  pad: ([x], out, attrs) => [padProgram(x as V, out, attrs)],
  // One strided copy per piece into its window of the output.
  concat: (inputs, out, { axis }) => {
    let at = 0;
    return inputs.map((v) => {
      const p = elementwiseProgram('concat', 'x', [v], windowOf(out, v, axis, at));
      at += v.shape[axis] as number;
      return p;
    });
  },
  gather: ([x, index], out, { axis }, _temp, check) => {
    const slot = check({ op: 'gather', axis, shape: (x as V).shape, output: out.handle });
    return [gatherProgram(x as V, index as V, out, axis, slot)];
  },
  scatterAdd: ([x, index, src], out, { axis }, _temp, check) => {
    const slot = check({ op: 'scatterAdd', axis, shape: out.shape, output: out.handle });
    return [scatterAddProgram(x as V, index as V, src as V, out, axis, slot)];
  },
  matmul: ([a, b], out) => {
    const batch = out.shape.slice(0, -2).reduce((x, y) => x * y, 1);
    if (batch > 65535) fail('shape', 'matmul', `batch of ${batch} (output ${fmtShape(out.shape)}) exceeds 65535`);
    return [matmulProgram(a as V, b as V, out)];
  },
  contiguous: ([x], out) => [elementwiseProgram('contiguous', 'x', [x as V], out)],
  argsort: ([x], out, attrs) => [argsortProgram(x as V, out, attrs)],
} satisfies { [P in KernelPrim]: GpuKernel<P> };
