/**
 * The wasm kernel set's state for one CPU backend: its heap (storage on a shared
 * WebAssembly.Memory), a reuse pool of typed-array views on it, and the kernel table. Made on the
 * first allocation under the wasm set, so the TS set never pays for it.
 */
import type { DType, TypedArray } from '../../../dtype.js';
import { allocArray } from '../../../dtype.js';
import { ArrayPool } from '../pool.js';
import { WasmHeap } from './heap.js';
import { type CpuKernelTable, wasmKernelTable } from './kernels.js';
import { WasmMatmul } from './matmul.js';

export class WasmRuntime {
  readonly heap = new WasmHeap();
  /** Exact-size reuse on top of the heap's size classes: keeps the typed-array objects too. */
  readonly pool: ArrayPool;
  readonly kernels: CpuKernelTable;
  readonly matmul: WasmMatmul;

  constructor(poolBytes: number, tsKernels: CpuKernelTable) {
    // A full heap (4 GiB) falls back to ordinary arrays, which the TS kernels handle.
    this.pool = new ArrayPool(
      poolBytes,
      (dtype, size) => this.heap.allocArray(dtype, size) ?? allocArray(dtype, size),
      (array) => {
        if (this.heap.owns(array)) this.heap.freeArray(array);
      },
    );
    this.matmul = new WasmMatmul(this.heap);
    this.kernels = wasmKernelTable(tsKernels, this);
  }

  alloc(dtype: DType, size: number): TypedArray {
    return this.pool.take(dtype, size);
  }

  /** Bytes kept for reuse: the pool's and the heap's free lists. */
  get pooledBytes(): number {
    return this.pool.bytes + this.heap.freeBytes;
  }
}
