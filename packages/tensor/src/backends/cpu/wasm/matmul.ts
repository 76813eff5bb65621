/**
 * Runs the generated matmul (matmul-module.ts) on operands in the heap: lays out the batch
 * offsets and scratch in the heap, then either runs the whole product on the calling thread or
 * hands it to the worker pool (threads.ts) as a job of chunks: whole batch items when there are
 * many, else one shared packed copy of B followed by blocks of rows of C. Each element of C is
 * computed identically whatever the split.
 */
import type { View } from '../../../backend.js';
import type { TypedArray } from '../../../dtype.js';
import { forEachRow, planWalk } from '../strided.js';
import type { WasmHeap } from './heap.js';
import { F32, F64, type FloatType, MR } from './matmul-kernel.js';
import { batchWorkBytes, matmulModuleBytes, packedBElements, rowsWorkBytes } from './matmul-module.js';
import { getCpuThreads } from './settings.js';
import { JOB_BATCHES, JOB_ROWS, type JobDescriptor, type WorkerPool } from './threads.js';

type MatmulFn = (...args: number[]) => void;

/**
 * Products below this much work (~20 µs on one thread) stay on the calling thread: publishing a
 * job and having a spinning worker join costs a few µs. Work is counted in multiply-adds plus
 * ITEM_OVERHEAD_MACS per (M + N) of each batch item, the packing and partial tiles that
 * dominate small items (256 products of 11 x 8 x 11 in a tiny GPT's attention run at 2-6 GFLOP/s).
 */
export const THREAD_MIN_MACS = 1 << 19;
const ITEM_OVERHEAD_MACS = 1024;
/** Chunks per thread a job is cut into: enough for a slow core to shed work, few enough to keep panels reused. */
const CHUNKS_PER_THREAD = 4;
/** Ordinary (non-heap) operands up to this many elements are copied in for a call. */
const STAGE_MAX_ELEMENTS = 1 << 16;

let compiled: WebAssembly.Module | undefined;

/** The compiled module, once per process (workers get it by postMessage and share its code). */
export function matmulModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(matmulModuleBytes());
  return compiled;
}

export class WasmMatmul {
  private readonly exports: Record<string, MatmulFn>;
  /** Heap block for batch offsets and per-thread scratch, grown on demand. */
  private scratch = 0;
  private scratchBytes = 0;

  constructor(
    private readonly heap: WasmHeap,
    private readonly pool?: () => WorkerPool | undefined,
  ) {
    const instance = new WebAssembly.Instance(matmulModule(), { env: { memory: heap.memory } });
    this.exports = instance.exports as Record<string, MatmulFn>;
  }

  private scratchOf(bytes: number): number | undefined {
    if (bytes <= this.scratchBytes) return this.scratch;
    if (this.scratchBytes > 0) this.heap.freeAddress(this.scratch, this.scratchBytes);
    const address = this.heap.allocBytes(bytes);
    this.scratch = address ?? 0;
    this.scratchBytes = address === undefined ? 0 : bytes;
    return address;
  }

  /**
   * C = A @ B in float32/float64; false when the TS kernel should do it. Small operands kept in
   * ordinary arrays (runtime.ts: tensors under HEAP_MIN_ELEMENTS) are copied into the heap for
   * the call, the output copied back.
   */
  run(a: View, b: View, out: View): boolean {
    const dtype = out.dtype;
    if (dtype !== 'float32' && dtype !== 'float64') return false;
    const staged: TypedArray[] = [];
    const inHeap = (x: TypedArray): TypedArray | undefined => {
      if (this.heap.owns(x)) return x;
      if (x.length > STAGE_MAX_ELEMENTS) return undefined;
      const copy = this.heap.allocArray(dtype, x.length);
      if (copy) {
        copy.set(x);
        staged.push(copy);
      }
      return copy;
    };
    try {
      const [A, B, C] = [
        inHeap(a.handle as TypedArray),
        inHeap(b.handle as TypedArray),
        inHeap(out.handle as TypedArray),
      ];
      if (!A || !B || !C || !this.compute(a, b, out, A, B, C)) return false;
      if (C !== out.handle) (out.handle as TypedArray).set(C);
      return true;
    } finally {
      for (const copy of staged) this.heap.freeArray(copy);
    }
  }

  /**
   * A 1-row product with contiguous B rows, or a 1-column one with contiguous A rows and vector,
   * runs as a matrix-vector kernel (gemv-kernel.ts) on the calling thread, per batch item.
   */
  private gemv(
    t: FloatType,
    a: View,
    b: View,
    M: number,
    N: number,
    K: number,
    A: TypedArray,
    B: TypedArray,
    C: TypedArray,
    offsets: Int32Array,
    batches: number,
  ): boolean {
    const nd = a.shape.length;
    const [aRs, aCs] = [a.strides[nd - 2] as number, a.strides[nd - 1] as number];
    const [bRs, bCs] = [b.strides[nd - 2] as number, b.strides[nd - 1] as number];
    const e = t.bytes;
    if (M === 1 && bCs === 1) {
      const vecmat = this.exports[`vecmat_${t.name}`] as MatmulFn;
      for (let i = 0; i < batches; i++) {
        const [co, ao, bo] = [offsets[3 * i] as number, offsets[3 * i + 1] as number, offsets[3 * i + 2] as number];
        vecmat(A.byteOffset + ao * e, aCs * e, B.byteOffset + bo * e, bRs * e, C.byteOffset + co * e, K, N);
      }
      return true;
    }
    if (N === 1 && aCs === 1 && bRs === 1) {
      const matvec = this.exports[`matvec_${t.name}`] as MatmulFn;
      for (let i = 0; i < batches; i++) {
        const [co, ao, bo] = [offsets[3 * i] as number, offsets[3 * i + 1] as number, offsets[3 * i + 2] as number];
        matvec(A.byteOffset + ao * e, aRs * e, B.byteOffset + bo * e, C.byteOffset + co * e, M, K);
      }
      return true;
    }
    return false;
  }

  private compute(a: View, b: View, out: View, A: TypedArray, B: TypedArray, C: TypedArray): boolean {
    const dtype = out.dtype;
    const nd = out.shape.length;
    const [M, N] = [out.shape[nd - 2] as number, out.shape[nd - 1] as number];
    const K = a.shape[nd - 1] as number;
    // Thin products (M or N of 1 or 2) too: padded to the MR x NR block they still ran 1.6-7x the
    // TS kernel's thin path here. K = 0 leaves the zero-filled output to the TS kernel.
    if (K === 0) return false;
    const t = dtype === 'float32' ? F32 : F64;
    const e = t.bytes;

    const batchShape = out.shape.slice(0, -2);
    const batches = batchShape.reduce((x, y) => x * y, 1);
    const estimate = (M * N * K + ITEM_OVERHEAD_MACS * (M + N)) * batches;
    const pool = estimate >= THREAD_MIN_MACS && getCpuThreads() > 1 ? this.pool?.() : undefined;
    const threads = Math.min(pool?.threads ?? 1, getCpuThreads());
    const byItems = threads === 1 || batches >= 2 * threads;
    const offsetBytes = Math.ceil((batches * 12) / 16) * 16;
    const sharedB = byItems ? 0 : Math.ceil((packedBElements(t, N, K) * e) / 16) * 16;
    const perThread = byItems ? batchWorkBytes(t, N, K) : rowsWorkBytes(t);
    const base = this.scratchOf(offsetBytes + sharedB + threads * perThread);
    if (base === undefined) return false;

    // Batch offsets (elements), via the same strided walk as the TS kernel.
    const offsets = new Int32Array(this.heap.memory.buffer, base, batches * 3);
    const walk = planWalk(batchShape, [out.strides.slice(0, -2), a.strides.slice(0, -2), b.strides.slice(0, -2)]);
    let n = 0;
    forEachRow(walk, [out.offset, a.offset, b.offset], ([co, ao, bo]) => {
      for (let i = 0; i < walk.inner; i++, n += 3) {
        offsets[n] = (co as number) + i * (walk.innerStrides[0] as number);
        offsets[n + 1] = (ao as number) + i * (walk.innerStrides[1] as number);
        offsets[n + 2] = (bo as number) + i * (walk.innerStrides[2] as number);
      }
    });
    if (this.gemv(t, a, b, M, N, K, A, B, C, offsets, batches)) return true;
    const strides = {
      aRs: a.strides[nd - 2] as number,
      aCs: a.strides[nd - 1] as number,
      bRs: b.strides[nd - 2] as number,
      bCs: b.strides[nd - 1] as number,
    };
    const work = base + offsetBytes + sharedB;
    if (!pool || threads === 1) {
      const matmul = this.exports[`matmul_${t.name}`] as MatmulFn;
      const { aRs, aCs, bRs, bCs } = strides;
      matmul(A.byteOffset, B.byteOffset, C.byteOffset, base, 0, batches, M, N, K, aRs, aCs, bRs, bCs, work);
      return true;
    }
    const job: JobDescriptor = {
      kind: JOB_BATCHES,
      dtype: t === F32 ? 0 : 1,
      chunks: 0,
      grain: 0,
      colGrain: 0,
      rowChunks: 0,
      packChunks: 0,
      packGrain: 0,
      panels: Math.ceil(N / t.nr),
      workBase: work,
      workStride: perThread,
      A: A.byteOffset,
      B: B.byteOffset,
      C: C.byteOffset,
      X: base,
      M,
      N,
      K,
      ...strides,
      batches,
    };
    if (byItems) {
      [job.grain, job.chunks] = planChunks(batches, 1, threads);
      pool.run(this.exports, job);
      return true;
    }
    // Few items: per item, the threads pack one shared B, then take blocks of C.
    job.kind = JOB_ROWS;
    job.X = base + offsetBytes;
    [job.packGrain, job.packChunks] = planChunks(job.panels, 1, threads);
    const blocks = planBlocks(M, N, t.nr, threads);
    [job.grain, job.rowChunks, job.colGrain] = [blocks.rowGrain, blocks.rowChunks, blocks.colGrain];
    job.chunks = blocks.rowChunks * blocks.colChunks;
    for (let i = 0; i < batches; i++) {
      job.C = C.byteOffset + (offsets[3 * i] as number) * e;
      job.A = A.byteOffset + (offsets[3 * i + 1] as number) * e;
      job.B = B.byteOffset + (offsets[3 * i + 2] as number) * e;
      pool.run(this.exports, job);
    }
    return true;
  }
}

/** Rows and columns below which a block of C reuses its panels of B (rows) or of A (columns) too little. */
const MIN_BLOCK_ROWS = 8 * MR;
const MIN_BLOCK_PANELS = 8;

/**
 * Cuts C (M x N) into about CHUNKS_PER_THREAD blocks per thread: by rows first (whole MR
 * blocks, at least MIN_BLOCK_ROWS each, since every block of rows streams all of B), then by
 * columns (whole panels of NR, at least MIN_BLOCK_PANELS) when there are too few rows.
 */
export function planBlocks(M: number, N: number, nr: number, threads: number) {
  const target = threads * CHUNKS_PER_THREAD;
  const rowChunks = Math.max(1, Math.min(target, Math.floor(M / MIN_BLOCK_ROWS)));
  const rowGrain = MR * Math.ceil(Math.ceil(M / MR) / rowChunks);
  const panels = Math.ceil(N / nr);
  const colChunks = Math.max(1, Math.min(Math.ceil(target / rowChunks), Math.floor(panels / MIN_BLOCK_PANELS)));
  const colGrain = nr * Math.ceil(panels / colChunks);
  return {
    rowGrain,
    rowChunks: Math.ceil(M / rowGrain),
    colGrain,
    colChunks: Math.ceil(N / colGrain),
  };
}

/**
 * Cuts `count` items into about CHUNKS_PER_THREAD chunks per thread, of a whole number of
 * `unit`s each: [items per chunk, chunks]. Chunk c covers [c * grain, min(count, (c + 1) * grain)).
 */
export function planChunks(count: number, unit: number, threads: number): [number, number] {
  const units = Math.ceil(count / unit);
  const grain = unit * Math.max(1, Math.round(units / (threads * CHUNKS_PER_THREAD)));
  return [grain, Math.ceil(count / grain)];
}
