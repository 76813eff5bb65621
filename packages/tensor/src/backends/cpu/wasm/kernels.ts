/**
 * The wasm kernel set, one row per kernel primitive like the TS table it is built from: a row
 * either runs a generated WebAssembly kernel or says plainly that the TS kernel does the work.
 * Accelerated rows fall back to the TS kernel for operands the kernel cannot address (arrays
 * outside the heap) or shapes it does not handle.
 */
import type { View } from '../../../backend.js';
import type { TypedArray } from '../../../dtype.js';
import type { KernelPrim, PrimAttrs } from '../../../prims.js';
import { type F32LaneFn, WASM_MIN_ELEMENTS } from './elementwise.js';
import type { BinaryOp, UnaryOp } from './elementwise-module.js';
import type { WasmRuntime } from './runtime.js';

export type CpuKernel<P extends KernelPrim> = (inputs: readonly View[], out: View, attrs: PrimAttrs[P]) => void;
export type CpuKernelTable = { [P in KernelPrim]: CpuKernel<P> };

/** A storage too small for a wasm kernel: answered before any other work, so tiny ops cost as in the TS set. */
const big = (v: View) => (v.handle as TypedArray).length >= WASM_MIN_ELEMENTS;

export function wasmKernelTable(ts: CpuKernelTable, rt: WasmRuntime): CpuKernelTable {
  const binary =
    (op: BinaryOp): CpuKernel<BinaryOp> =>
    (inputs, out, attrs) => {
      if (!(big(out) && rt.elementwise.binary(op, inputs[0] as View, inputs[1] as View, out)))
        ts[op](inputs, out, attrs);
    };
  const unary =
    (op: UnaryOp): CpuKernel<UnaryOp> =>
    (inputs, out, attrs) => {
      if (!(big(out) && rt.elementwise.unary(op, inputs[0] as View, out))) ts[op](inputs, out, attrs);
    };
  /** exp, erf, tanh, log: f32x4 kernels for contiguous float32 rows (float64 runs the TS kernel). */
  const f32Lanes =
    (fn: F32LaneFn): CpuKernel<F32LaneFn> =>
    (inputs, out, attrs) => {
      if (!(big(out) && rt.elementwise.f32Lanes(fn, inputs[0] as View, out))) ts[fn](inputs, out, attrs);
    };
  return {
    neg: unary('neg'),
    exp: f32Lanes('exp'),
    log: f32Lanes('log'),
    sqrt: unary('sqrt'),
    sin: ts.sin,
    cos: ts.cos,
    tanh: f32Lanes('tanh'),
    erf: f32Lanes('erf'),
    floor: ts.floor,
    cast: ts.cast,
    add: binary('add'),
    sub: binary('sub'),
    mul: binary('mul'),
    div: binary('div'),
    pow: ts.pow,
    max: binary('max'),
    cmplt: (inputs, out, attrs) => {
      if (!(big(out) && rt.elementwise.compare('lt', inputs[0] as View, inputs[1] as View, out)))
        ts.cmplt(inputs, out, attrs);
    },
    cmpeq: (inputs, out, attrs) => {
      if (!(big(out) && rt.elementwise.compare('eq', inputs[0] as View, inputs[1] as View, out)))
        ts.cmpeq(inputs, out, attrs);
    },
    floorDiv: ts.floorDiv,
    remainder: ts.remainder,
    where: (inputs, out, attrs) => {
      const [cond, x, y] = inputs as [View, View, View];
      if (!(big(out) && rt.elementwise.where(cond, x, y, out))) ts.where(inputs, out, attrs);
    },
    sum: (inputs, out, attrs) => {
      if (!(big(inputs[0] as View) && rt.reduce.run('sum', inputs[0] as View, out, attrs.axes)))
        ts.sum(inputs, out, attrs);
    },
    maxReduce: (inputs, out, attrs) => {
      if (!(big(inputs[0] as View) && rt.reduce.run('maxReduce', inputs[0] as View, out, attrs.axes)))
        ts.maxReduce(inputs, out, attrs);
    },
    prod: ts.prod,
    pad: ts.pad,
    concat: ts.concat,
    gather: ts.gather,
    scatterAdd: ts.scatterAdd,
    matmul: (inputs, out, attrs) => {
      if (!rt.matmul.run(inputs[0] as View, inputs[1] as View, out)) ts.matmul(inputs, out, attrs);
    },
    contiguous: (inputs, out, attrs) => {
      if (!(big(out) && rt.elementwise.copy(inputs[0] as View, out))) ts.contiguous(inputs, out, attrs);
    },
    argsort: ts.argsort,
  };
}
