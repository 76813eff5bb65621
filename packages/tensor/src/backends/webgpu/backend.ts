/**
 * The WebGPU backend on a GPUDevice: storage in pooled GPU buffers, kernels generated as WGSL,
 * elementwise ops fused lazily (fusion.ts), dispatches batched into shared command buffers,
 * errors surfaced as TensorErrors. Made by `initWebGPU()` (device.ts); nothing here picks an adapter.
 */
import type { Backend, View } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { fail, fmtShape, TensorError } from '../../errors.js';
import { type KernelPrim, PRIMS, type PrimAttrs } from '../../prims.js';
import { sizeOf } from '../../shape.js';
import { BufferPool, fromGpuWords, type GpuHandle, toGpuWords } from './buffers.js';
import { Fuser, isFusible } from './fusion.js';
import { ErrorTracker } from './gpu-errors.js';
import { type CheckedOp, type CheckSlot, IndexChecks } from './index-checks.js';
import { KERNELS } from './kernels.js';
import { CommandStream, PipelineCache } from './pipelines.js';
import type { Program } from './wgsl/common.js';

type Kernel<P extends KernelPrim> = (
  inputs: readonly View<GpuHandle>[],
  out: View<GpuHandle>,
  attrs: PrimAttrs[P],
  temp: (elements: number) => GpuHandle,
  check: (op: CheckedOp) => CheckSlot,
) => Program<GpuHandle>[];

function noFloat64(op: string, dtype: DType): void {
  if (dtype === 'float64') fail('device', op, 'webgpu has no float64 (WGSL lacks f64); cast to float32 first');
}

/** The WebGPU backend: pooled GPU buffers, WGSL kernels generated per primitive (with elementwise fusion), dispatches batched into shared command encoders. */
export class WebGpuBackend implements Backend<GpuHandle> {
  readonly device = 'webgpu' as const;
  readonly errors: ErrorTracker;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly stream: CommandStream;
  readonly fuser: Fuser;
  /** Out-of-range gather/scatterAdd indices, raised at the next readback or sync. */
  readonly checks: IndexChecks;
  /** Set false to run every elementwise op as its own dispatch (benchmarks compare both). */
  fusion = true;

  constructor(readonly gpu: GPUDevice) {
    this.errors = new ErrorTracker(gpu);
    this.pool = new BufferPool(gpu);
    this.pipelines = new PipelineCache(gpu, this.errors);
    this.stream = new CommandStream(gpu, this.errors, this.pipelines);
    this.pool.onDestroy = () => this.stream.bindGroups.clear();
    this.checks = new IndexChecks(this.pool, this.stream);
    this.fuser = new Fuser(this.pool, gpu.limits.maxStorageBuffersPerShaderStage, (p) => this.runProgram(p));
  }

  /**
   * A handle that is logically zero whatever `zeroed` says: a pooled buffer is cleared only if
   * something reads it before a kernel or upload writes it (buffers.ts `dirty`), so kernels that
   * overwrite their output never pay for the clear.
   */
  alloc(dtype: DType, size: number, _zeroed = true): GpuHandle {
    noFloat64('alloc', dtype);
    this.errors.checkAlive('alloc');
    return this.pool.acquire(size, 'alloc');
  }

  write(handle: GpuHandle, dtype: DType, data: TypedArray): void {
    noFloat64('write', dtype);
    this.errors.checkAlive('write');
    const words = toGpuWords(dtype, data);
    if (words.length === 1) {
      // Scalars (the constants of `x.mul(2)`) are uploaded only if a kernel binds them.
      handle.hostWords = words.slice();
      handle.constant = new Uint32Array(handle.hostWords.buffer)[0];
      handle.dirty = false;
      return;
    }
    this.stream.upload(handle, words);
  }

  /** Reads elements [offset, offset + size): only those bytes are copied and mapped. */
  async read(handle: GpuHandle, dtype: DType, size: number, offset = 0): Promise<TypedArray> {
    this.errors.checkAlive('read');
    if (handle.freed) fail('disposed', 'read', `storage of ${size} ${dtype} elements was freed`);
    if (offset < 0 || 4 * (offset + size) > handle.bytes)
      fail('value', 'read', `elements [${offset}, ${offset + size}) lie outside a buffer of ${handle.bytes / 4}`);
    const bytes = Math.max(4, size * 4);
    // Flags of the index checks since the last readback ride behind the data: one map for both.
    const at = Math.ceil(bytes / 8) * 8;
    const flagBytes = this.checks.pendingBytes;
    const total = flagBytes > 0 ? at + flagBytes : bytes;
    const staging = this.pool.acquireStaging(total);
    try {
      this.fuser.materialize(handle);
      this.stream.materialize(handle);
      this.stream.copyOut(handle, staging, bytes, 4 * offset);
      this.stream.bytesCopiedOut += bytes;
      const check = flagBytes > 0 ? this.checks.begin(staging, at) : undefined;
      this.stream.flush();
      await staging.mapAsync(0x01, 0, total); // MAP_READ
      const indexError = check && this.checks.finish(check, staging.getMappedRange(at, check.bytes));
      await this.errors.settle();
      if (indexError) throw indexError;
      if (handle.error) throw handle.error;
      const out = fromGpuWords(dtype, staging.getMappedRange(0, bytes), size);
      staging.unmap();
      return out;
    } catch (e) {
      if (staging.mapState === 'mapped') staging.unmap();
      // A failed read must still report errors it uncovered, and always a TensorError.
      if (e instanceof TensorError) throw e;
      throw new TensorError('backend', `read: webgpu readback failed: ${String(e)}`, { cause: e });
    } finally {
      this.pool.releaseStaging(staging);
    }
  }

  free(handle: GpuHandle): void {
    handle.freed = true;
    this.fuser.drop(handle);
  }

  run<P extends KernelPrim>(
    prim: P,
    inputs: readonly View<GpuHandle>[],
    out: View<GpuHandle>,
    attrs: PrimAttrs[P],
  ): void {
    this.errors.checkAlive(prim);
    for (const v of [...inputs, out]) noFloat64(prim, v.dtype);
    if (
      this.fusion &&
      isFusible(prim, PRIMS[prim].kind) &&
      out.offset === 0 &&
      out.handle.bytes === 4 * sizeOf(out.shape)
    ) {
      this.fuser.record(prim, inputs, out);
      return;
    }
    const temps: GpuHandle[] = [];
    const temp = (n: number) => temps[temps.push(this.pool.acquire(n, prim)) - 1] as GpuHandle;
    try {
      const programs = (KERNELS[prim] as Kernel<P>)(inputs, out, attrs, temp, (op) => this.checks.slot(op));
      for (const p of programs) this.runProgram(p);
    } finally {
      // Safe while queued: a later user of the buffer is encoded (or uploads) after these reads.
      for (const h of temps) this.free(h);
    }
  }

  /**
   * Encodes one program. Internal, but public so tests can provoke a failing kernel.
   * @example backend.runProgram({ op: 'bad', code: 'fn main( {', inputs: [], output: h, meta, workgroups: [1, 1, 1] })
   */
  runProgram(p: Program<GpuHandle>): void {
    for (const h of [p.output, ...p.inputs]) {
      if (h.dead) fail('disposed', p.op, `an operand's storage was freed (${fmtShape([h.bytes / 4])})`);
      this.fuser.materialize(h);
    }
    this.stream.dispatch(p);
  }

  pooledBytes(): number {
    return this.pool.pooledBytes();
  }

  /** Submits queued work and waits for it (and for its error scopes). */
  async sync(): Promise<void> {
    const flagBytes = this.checks.pendingBytes;
    const staging = flagBytes > 0 ? this.pool.acquireStaging(flagBytes) : undefined;
    const check = staging && this.checks.begin(staging, 0);
    this.stream.flush();
    await this.gpu.queue.onSubmittedWorkDone();
    let indexError: TensorError | undefined;
    if (staging && check) {
      try {
        await staging.mapAsync(0x01, 0, flagBytes); // MAP_READ
        indexError = this.checks.finish(check, staging.getMappedRange(0, flagBytes));
        staging.unmap();
      } finally {
        this.pool.releaseStaging(staging);
      }
    }
    await this.errors.settle();
    if (indexError) throw indexError;
  }

  /** Releases pooled buffers and the device. */
  destroy(): void {
    this.pool.clear();
    this.gpu.destroy();
  }
}
