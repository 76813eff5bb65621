/**
 * Runs the generated matmul (matmul-module.ts) on operands in the heap: lays out the batch
 * offsets and per-thread scratch in the heap, then splits the work between the calling thread and
 * the worker pool (threads.ts): by batch items when there are enough, else by rows of C in
 * multiples of MR. Each element of C is computed identically whatever the split.
 */
import type { View } from '../../../backend.js';
import type { TypedArray } from '../../../dtype.js';
import { forEachRow, planWalk } from '../strided.js';
import type { WasmHeap } from './heap.js';
import { F32, F64, type FloatType, MR } from './matmul-kernel.js';
import { matmulModuleBytes, workBytes } from './matmul-module.js';
import { getCpuThreads } from './settings.js';

type MatmulFn = (...args: number[]) => void;

/**
 * Products below this many multiply-adds (~0.3 ms on one thread) stay on the calling thread:
 * waking a sleeping worker costs 60-90 µs.
 */
export const THREAD_MIN_MACS = 1 << 22;
/** Ordinary (non-heap) operands up to this many elements are copied in for a call. */
const STAGE_MAX_ELEMENTS = 1 << 16;

let moduleBytes: Uint8Array<ArrayBuffer> | undefined;
let compiled: WebAssembly.Module | undefined;

/** The module's bytes, generated once per process (workers get them by postMessage). */
export function matmulBytes(): Uint8Array<ArrayBuffer> {
  moduleBytes ??= matmulModuleBytes();
  return moduleBytes;
}

/** One thread's share: batches [b0, b1), rows [r0, r1). */
export interface MatmulShare {
  b0: number;
  b1: number;
  r0: number;
  r1: number;
}

export type KernelName = 'matmul_f32' | 'matmul_f64';

/** Runs shares on other threads while the caller runs its own; see threads.ts. */
export interface ShareRunner {
  /** Threads available now, the caller included. */
  readonly threads: number;
  /**
   * Runs `fn(args)` once per share (args 4-7 = the share, 15 = its work area), share 0 through
   * `runHere` on the calling thread; returns when all are done.
   */
  run(fn: KernelName, args: number[], shares: MatmulShare[], works: number[], runHere: (share: number) => void): void;
}

export class WasmMatmul {
  private readonly exports: Record<string, MatmulFn>;
  /** Heap block for batch offsets and per-thread scratch, grown on demand. */
  private scratch = 0;
  private scratchBytes = 0;

  constructor(
    private readonly heap: WasmHeap,
    private readonly runner?: () => ShareRunner | undefined,
  ) {
    compiled ??= new WebAssembly.Module(matmulBytes());
    const instance = new WebAssembly.Instance(compiled, { env: { memory: heap.memory } });
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

    const batchShape = out.shape.slice(0, -2);
    const batches = batchShape.reduce((x, y) => x * y, 1);
    const runner = M * N * K * batches >= THREAD_MIN_MACS && getCpuThreads() > 1 ? this.runner?.() : undefined;
    const threads = Math.min(runner?.threads ?? 1, getCpuThreads());
    const offsetBytes = Math.ceil((batches * 12) / 16) * 16;
    const perThread = workBytes(t, N);
    const base = this.scratchOf(offsetBytes + threads * perThread);
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
    const args = [
      A.byteOffset,
      B.byteOffset,
      C.byteOffset,
      base,
      0,
      0,
      0,
      0,
      M,
      N,
      K,
      a.strides[nd - 2] as number,
      a.strides[nd - 1] as number,
      b.strides[nd - 2] as number,
      b.strides[nd - 1] as number,
      0,
    ];
    const fn = t === F32 ? 'matmul_f32' : 'matmul_f64';
    const call = (s: MatmulShare, work: number) => {
      args[4] = s.b0;
      args[5] = s.b1;
      args[6] = s.r0;
      args[7] = s.r1;
      args[15] = work;
      (this.exports[fn] as MatmulFn)(...args);
    };
    const shares = splitWork(batches, M, threads);
    const works = shares.map((_, i) => base + offsetBytes + i * perThread);
    if (shares.length === 1 || !runner) {
      call(shares[0] as MatmulShare, works[0] as number);
      return true;
    }
    runner.run(fn, args, shares, works, (i) => call(shares[i] as MatmulShare, works[i] as number));
    return true;
  }
}

/** Splits batches (when there are at least `threads`) or rows (in multiples of MR) evenly. */
export function splitWork(batches: number, M: number, threads: number): MatmulShare[] {
  if (threads <= 1) return [{ b0: 0, b1: batches, r0: 0, r1: M }];
  const shares: MatmulShare[] = [];
  if (batches >= threads) {
    for (let i = 0; i < threads; i++) {
      const [b0, b1] = [Math.floor((i * batches) / threads), Math.floor(((i + 1) * batches) / threads)];
      if (b1 > b0) shares.push({ b0, b1, r0: 0, r1: M });
    }
    return shares;
  }
  const blocks = Math.ceil(M / MR);
  for (let i = 0; i < threads; i++) {
    const [p0, p1] = [Math.floor((i * blocks) / threads), Math.floor(((i + 1) * blocks) / threads)];
    if (p1 > p0) shares.push({ b0: 0, b1: batches, r0: p0 * MR, r1: Math.min(M, p1 * MR) });
  }
  return shares;
}
