/**
 * Compute pipelines cached by WGSL source, and the batched command stream: every dispatch,
 * upload, clear and readback copy goes into one shared GPUCommandEncoder that is submitted at
 * readback or every MAX_BATCH dispatches, never once per op.
 *
 * Consecutive dispatches share one compute pass (ended only for a copy or clear, or at submit).
 * That is safe for dependent kernels: the WebGPU spec makes each dispatch of a compute pass its
 * own usage scope, so the implementation orders a dispatch's storage writes before the next
 * dispatch's reads (Dawn inserts the barriers), exactly as between passes.
 *
 * Each dispatch's uniform block takes a 256-byte-aligned slice of one arena buffer (most blocks
 * are 256 bytes; fused kernels may use more); the arena is written with a single
 * queue.writeBuffer just before its batch is submitted. Queue operations run in order, so the
 * next batch may rewrite the arena as soon as this one is submitted.
 */
import { TensorError } from '../../errors.js';
import { BindGroupCache } from './bind-groups.js';
import type { GpuHandle } from './buffers.js';
import type { ErrorTracker } from './gpu-errors.js';
import { META_SLOTS, type Program } from './wgsl/common.js';

/** Dispatches per submitted batch. */
export const MAX_BATCH = 128;
const SLOT_BYTES = META_SLOTS * 4;
/** Uniform arena per batch: room for MAX_BATCH standard blocks, and a few large ones. */
const ARENA_BYTES = 2 * MAX_BATCH * SLOT_BYTES;

export class PipelineCache {
  private readonly cache = new Map<string, GPUComputePipeline>();
  /** Sources whose compilation failed: later uses throw at once instead of queueing garbage. */
  private readonly failed = new Map<string, TensorError>();
  constructor(
    private readonly device: GPUDevice,
    private readonly errors: ErrorTracker,
  ) {}

  /**
   * The pipeline for `code` (with `inputs` input bindings and maybe a flag buffer, laid out by
   * `layouts`), compiled once; a WGSL or validation error names `op`.
   */
  get(code: string, op: string, inputs: number, layouts: BindGroupCache, flagged = false): GPUComputePipeline {
    let p = this.cache.get(code);
    const failure = this.failed.get(code);
    if (failure) throw new TensorError('backend', failure.message, { cause: failure });
    if (!p) {
      const device = this.device;
      p = this.errors.scoped(
        device,
        () => {
          const module = device.createShaderModule({ code, label: op });
          const layout = layouts.layout(inputs, flagged).pipelineLayout;
          return device.createComputePipeline({ layout, compute: { module, entryPoint: 'main' }, label: op });
        },
        () => `${op}: compiling its WGSL kernel`,
        (e) => this.failed.set(code, e),
      );
      this.cache.set(code, p);
    }
    return p;
  }

  get size(): number {
    return this.cache.size;
  }
}

export class CommandStream {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private pipeline: GPUComputePipeline | undefined;
  private readonly arena: GPUBuffer;
  readonly bindGroups: BindGroupCache;
  private readonly arenaData = new Uint32Array(ARENA_BYTES / 4);
  /** Bytes of the arena used by the open batch. */
  private arenaUsed = 0;
  private dispatches = 0;
  /** Dispatches encoded so far (tests use it to count kernels, e.g. one per fused chain). */
  dispatched = 0;
  private readonly ops: string[] = [];
  private readonly outputs: GpuHandle[] = [];
  private readonly temporaries: GPUBuffer[] = [];
  /** Submitted batches so far (for tests and benchmarks). */
  submits = 0;
  /** Bytes of tensor data copied into readback buffers so far (tests check small reads stay small). */
  bytesCopiedOut = 0;
  /** The batch (by `submits` count) that last touched each buffer. */
  private readonly touched = new WeakMap<GPUBuffer, number>();

  constructor(
    private readonly device: GPUDevice,
    private readonly errors: ErrorTracker,
    private readonly pipelines: PipelineCache,
  ) {
    this.arena = device.createBuffer({ size: ARENA_BYTES, usage: 0x40 | 0x08 }); // UNIFORM | COPY_DST
    this.bindGroups = new BindGroupCache(device, this.arena);
  }

  /** True when commands are waiting to be submitted. */
  get busy(): boolean {
    return this.encoder !== undefined;
  }

  private open(): GPUCommandEncoder {
    if (!this.encoder) {
      this.errors.open(this.device);
      this.encoder = this.device.createCommandEncoder();
    }
    return this.encoder;
  }

  /** The encoder, outside any compute pass (for copies and clears). */
  private copies(): GPUCommandEncoder {
    this.pass?.end();
    this.pass = undefined;
    return this.open();
  }

  /**
   * Makes `h`'s buffer hold its logical contents before a read: uploads deferred host words, or
   * clears a pooled buffer that is still logically zero.
   */
  materialize(h: GpuHandle): void {
    const words = h.hostWords;
    if (words) {
      h.hostWords = undefined;
      this.upload(h, words);
      return;
    }
    if (!h.dirty) return;
    const buffer = h.buffer; // a fresh buffer is zero already and no longer dirty
    if (!h.dirty) return;
    this.copies().clearBuffer(buffer, 0, buffer.size);
    this.touched.set(h.buffer, this.submits);
    h.dirty = false;
  }

  /** Encodes one program (its inputs must not be dirty; `run` clears them first). */
  dispatch(p: Program<GpuHandle>): void {
    const pipeline = this.pipelines.get(p.code, p.op, p.inputs.length, this.bindGroups, p.flags !== undefined);
    for (const h of p.inputs) {
      this.materialize(h);
      if (h.error) p.output.error ??= h.error;
    }
    const metaBytes = Math.ceil((p.meta.length * 4) / SLOT_BYTES) * SLOT_BYTES;
    if (this.arenaUsed + metaBytes > ARENA_BYTES) this.flush();
    const at = this.arenaUsed;
    this.arenaUsed += metaBytes;
    this.dispatches++;
    this.dispatched++;
    this.arenaData.set(p.meta, at / 4);
    this.open(); // inside the batch's error scopes
    const bindGroup = this.bindGroups.group(
      metaBytes,
      p.output.buffer,
      p.inputs.map((h) => h.buffer),
      p.flags?.buffer,
    );
    if (!this.pass) {
      this.pass = this.open().beginComputePass();
      this.pipeline = undefined;
    }
    if (this.pipeline !== pipeline) this.pass.setPipeline(pipeline);
    this.pipeline = pipeline;
    this.pass.setBindGroup(0, bindGroup, [at]);
    this.pass.dispatchWorkgroups(...p.workgroups);
    for (const h of [p.output, ...p.inputs]) this.touched.set(h.buffer, this.submits);
    if (p.flags) this.touched.set(p.flags.buffer, this.submits);
    p.output.dirty = false;
    p.output.hostWords = undefined;
    p.output.constant = undefined;
    this.ops.push(p.op);
    this.outputs.push(p.output);
    if (this.dispatches >= MAX_BATCH) this.flush();
  }

  /**
   * Copies host words into `h`: directly (queue.writeBuffer runs before the open batch) when
   * the open batch has not touched the buffer, else in stream order through a staging copy.
   */
  upload(h: GpuHandle, words: ArrayBufferView): void {
    h.dirty = false;
    h.error = undefined;
    h.hostWords = undefined;
    if (!this.encoder || this.touched.get(h.buffer) !== this.submits) {
      this.device.queue.writeBuffer(h.buffer, 0, words.buffer as ArrayBuffer, words.byteOffset, words.byteLength);
      return;
    }
    // Queued kernels may still read this (recycled) buffer: the copy must run after them.
    const size = Math.ceil(words.byteLength / 4) * 4;
    const tmp = this.device.createBuffer({ size, usage: 0x04, mappedAtCreation: true }); // COPY_SRC
    new Uint8Array(tmp.getMappedRange()).set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
    tmp.unmap();
    this.copies().copyBufferToBuffer(tmp, 0, h.buffer, 0, size);
    this.touched.set(h.buffer, this.submits);
    this.temporaries.push(tmp);
  }

  /** Encodes a copy of `bytes` of `h`, from byte `from` on, into `staging` at byte `to`. */
  copyOut(h: GpuHandle, staging: GPUBuffer, bytes: number, from = 0, to = 0): void {
    this.copies().copyBufferToBuffer(h.buffer, from, staging, to, bytes);
    this.touched.set(h.buffer, this.submits);
  }

  /** Submits everything queued as one command buffer. */
  flush(): void {
    const encoder = this.encoder;
    if (!encoder) return;
    this.pass?.end();
    this.pass = undefined;
    this.encoder = undefined;
    const ops = this.ops.splice(0);
    const outputs = this.outputs.splice(0);
    if (this.arenaUsed > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaData.buffer, 0, this.arenaUsed);
    }
    this.dispatches = 0;
    this.arenaUsed = 0;
    this.device.queue.submit([encoder.finish()]);
    this.submits++;
    for (const t of this.temporaries.splice(0)) t.destroy();
    this.errors.close(
      this.device,
      () => `${summarize(ops)}: a batch of ${ops.length} dispatches failed`,
      () => outputs,
    );
  }
}

function summarize(ops: readonly string[]): string {
  const unique = [...new Set(ops)];
  return unique.length === 0 ? 'webgpu' : unique.slice(0, 6).join(', ') + (unique.length > 6 ? ', ...' : '');
}
