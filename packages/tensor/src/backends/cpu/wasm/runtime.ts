/**
 * The wasm kernel set's state for one CPU backend: its heap (storage on a shared
 * WebAssembly.Memory), a reuse pool of typed-array views on it, and the kernel table. Made on the
 * first allocation under the wasm set, so the TS set never pays for it.
 */
import type { DType, TypedArray } from '../../../dtype.js';
import { allocArray } from '../../../dtype.js';
import { ArrayPool } from '../pool.js';
import { WasmElementwise } from './elementwise.js';
import { WasmHeap } from './heap.js';
import { type CpuKernelTable, wasmKernelTable } from './kernels.js';
import { matmulModule, WasmMatmul } from './matmul.js';
import { WasmReduce } from './reduce.js';
import { getCpuThreads } from './settings.js';
import { WorkerPool } from './threads.js';

const runtimes = new Set<WasmRuntime>();

export { HEAP_MIN_ELEMENTS } from './heap.js';

/**
 * Resolves once the worker threads of every CPU backend in use are started and ready (big
 * kernels use them from then on; before, they run on the calling thread). Benchmarks and tests
 * that compare thread counts await it after making a first CPU tensor.
 * @example await cpuThreadsReady();
 */
export async function cpuThreadsReady(): Promise<void> {
  await Promise.all([...runtimes].map((rt) => rt.startThreads()));
}

/**
 * Chunks of matmuls that CPU worker threads have run so far in this process, over all CPU
 * backends: 0 on one thread, and a way to see that the workers take part (tests, the browser
 * page's checks). Chunks are handed out dynamically, so a worker asleep when a product starts
 * may take none of it.
 * @example
 * const before = cpuWorkerChunks();
 * randn([512, 512]).matmul(randn([512, 512]));
 * console.log(cpuWorkerChunks() - before); // chunks the workers ran
 */
export function cpuWorkerChunks(): number {
  let n = 0;
  for (const rt of runtimes) n += rt.workerChunks;
  return n;
}

export class WasmRuntime {
  readonly heap = new WasmHeap();
  /** Exact-size reuse on top of the heap's size classes: keeps the typed-array objects too. */
  readonly pool: ArrayPool;
  readonly kernels: CpuKernelTable;
  readonly matmul: WasmMatmul;
  readonly elementwise: WasmElementwise;
  readonly reduce: WasmReduce;
  private workers: WorkerPool | undefined;

  constructor(poolBytes: number, tsKernels: CpuKernelTable) {
    // A full heap (4 GiB) falls back to ordinary arrays, which the TS kernels handle.
    this.pool = new ArrayPool(
      poolBytes,
      (dtype, size, zeroed) => this.heap.allocArray(dtype, size, zeroed) ?? allocArray(dtype, size),
      (array) => {
        if (this.heap.owns(array)) this.heap.freeArray(array);
      },
      (array) => (this.heap.owns(array) ? this.heap.zeroArray(array) : array.fill(0)),
    );
    this.matmul = new WasmMatmul(this.heap, () => this.runner());
    this.elementwise = new WasmElementwise(this.heap);
    this.reduce = new WasmReduce(this.heap);
    this.kernels = wasmKernelTable(tsKernels, this);
    runtimes.add(this);
  }

  /** The worker pool for a kernel big enough to split, sized to the thread setting. */
  private runner(): WorkerPool | undefined {
    const threads = getCpuThreads();
    if (threads <= 1) return undefined;
    this.workers ??= new WorkerPool(this.heap, matmulModule);
    this.workers.ensure(threads - 1);
    return this.workers;
  }

  get workerChunks(): number {
    return this.workers?.workerChunks ?? 0;
  }

  /** Starts the workers the thread setting asks for; resolves when they are ready. */
  startThreads(): Promise<void> {
    return this.runner() && this.workers ? this.workers.ready() : Promise.resolve();
  }

  /** Heap storage for `size` elements, zero-filled unless `zeroed` is false. */
  alloc(dtype: DType, size: number, zeroed = true): TypedArray {
    return this.pool.take(dtype, size, zeroed);
  }

  /** Bytes kept for reuse: the pool's and the heap's free lists. */
  get pooledBytes(): number {
    return this.pool.bytes + this.heap.freeBytes;
  }
}
