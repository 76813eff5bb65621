/**
 * Runs the generated reductions (reduce-module.ts) on dense float operands in the heap: over the
 * trailing axes in memory order as rows (softmax, layerNorm, logsumexp, full sums), over leading
 * or middle axes as columns (bias and LayerNorm gradients, sums of transposed views); reduce-plan.ts
 * says which layouts. Other layouts and small tensors answer false, and the TS kernel runs.
 */
import type { View } from '../../../backend.js';
import type { TypedArray } from '../../../dtype.js';
import { STRIP } from './column-stream-kernel.js';
import { WASM_MIN_ELEMENTS } from './elementwise.js';
import type { WasmHeap } from './heap.js';
import { reduceModuleBytes } from './reduce-module.js';
import { planReduce } from './reduce-plan.js';

type RowsFn = (x: number, out: number, rows: number, n: number) => void;
type ColumnsFn = (x: number, out: number, outer: number, reduced: number, inner: number, scratch: number) => void;

let compiled: WebAssembly.Module | undefined;

/**
 * Rows at least this wide go to the streaming column kernels (column-stream-kernel.ts). Measured
 * on sums and maxima over axis 0 of [R, C] (2-core AMD EPYC, Node 20, loaded machine): with the
 * operand out of cache, streaming was about 1.6x faster at 2 and 4 KiB rows of float32 and even
 * below; with it in cache, the two were within noise at 2-4 KiB, and the register-blocked kernel
 * up to 1.8x faster on narrow rows (64-512 bytes), which is what small, freshly written
 * cotangents are.
 */
const STREAM_ROW_BYTES = 2048;

export class WasmReduce {
  private readonly exports: Record<string, RowsFn & ColumnsFn>;
  /** STRIP float64 slots in the heap for the streaming column sums of float32. */
  private scratch: number | undefined;

  constructor(private readonly heap: WasmHeap) {
    compiled ??= new WebAssembly.Module(reduceModuleBytes());
    this.exports = new WebAssembly.Instance(compiled, { env: { memory: heap.memory } }).exports as Record<
      string,
      RowsFn & ColumnsFn
    >;
  }

  /** out = sum / max of x over `axes`; false when the TS kernel should run. */
  run(prim: 'sum' | 'maxReduce', x: View, out: View, axes: readonly number[]): boolean {
    if (x.dtype !== 'float32' && x.dtype !== 'float64') return false;
    const size = x.shape.reduce((a, b) => a * b, 1);
    if (size < WASM_MIN_ELEMENTS) return false;
    const plan = planReduce(x.shape, x.strides, axes);
    if (!plan) return false;
    this.scratch ??= this.heap.allocBytes(STRIP * 8);
    if (this.scratch === undefined) return false;
    const [xa, target] = [x.handle as TypedArray, out.handle as TypedArray];
    if (!this.heap.owns(xa)) return false;
    // A small output (under HEAP_MIN_ELEMENTS) lives in an ordinary array: reduce into the heap, copy.
    const oa = this.heap.owns(target) ? target : this.heap.allocArray(x.dtype, target.length);
    if (!oa) return false;
    const bytes = xa.BYTES_PER_ELEMENT;
    const [px, po] = [xa.byteOffset + x.offset * bytes, oa.byteOffset + out.offset * bytes];
    const t = x.dtype === 'float32' ? 'f32' : 'f64';
    const { outer, reduced, inner } = plan;
    if (inner === 1) (this.exports[`${prim === 'sum' ? 'rsum' : 'rmax'}_${t}`] as RowsFn)(px, po, outer, reduced);
    else {
      const stream = inner * bytes >= STREAM_ROW_BYTES;
      const kind = stream ? (prim === 'sum' ? 'ssum' : 'smax') : prim === 'sum' ? 'csum' : 'cmax';
      (this.exports[`${kind}_${t}`] as ColumnsFn)(px, po, outer, reduced, inner, this.scratch as number);
    }
    if (oa !== target) {
      target.set(oa);
      this.heap.freeArray(oa);
    }
    return true;
  }
}
