/**
 * The wasm kernel set, one row per kernel primitive like the TS table it is built from: a row
 * either runs a generated WebAssembly kernel or says plainly that the TS kernel does the work.
 * Accelerated rows fall back to the TS kernel for operands the kernel cannot address (arrays
 * outside the heap) or shapes it does not handle.
 */
import type { View } from '../../../backend.js';
import type { KernelPrim, PrimAttrs } from '../../../prims.js';
import type { WasmRuntime } from './runtime.js';

export type CpuKernel<P extends KernelPrim> = (inputs: readonly View[], out: View, attrs: PrimAttrs[P]) => void;
export type CpuKernelTable = { [P in KernelPrim]: CpuKernel<P> };

export function wasmKernelTable(ts: CpuKernelTable, rt: WasmRuntime): CpuKernelTable {
  return {
    neg: ts.neg,
    exp: ts.exp,
    log: ts.log,
    sqrt: ts.sqrt,
    sin: ts.sin,
    cos: ts.cos,
    tanh: ts.tanh,
    erf: ts.erf,
    floor: ts.floor,
    cast: ts.cast,
    add: ts.add,
    sub: ts.sub,
    mul: ts.mul,
    div: ts.div,
    pow: ts.pow,
    max: ts.max,
    cmplt: ts.cmplt,
    cmpeq: ts.cmpeq,
    floorDiv: ts.floorDiv,
    remainder: ts.remainder,
    where: ts.where,
    sum: ts.sum,
    maxReduce: ts.maxReduce,
    prod: ts.prod,
    pad: ts.pad,
    concat: ts.concat,
    gather: ts.gather,
    scatterAdd: ts.scatterAdd,
    matmul: (inputs, out, attrs) => {
      if (!rt.matmul.run(inputs[0] as View, inputs[1] as View, out)) ts.matmul(inputs, out, attrs);
    },
    contiguous: ts.contiguous,
    argsort: ts.argsort,
  };
}
