/**
 * Compute pipelines cached by WGSL source, and the batched command stream: every dispatch,
 * upload, clear and readback copy goes into one shared GPUCommandEncoder (a compute pass per
 * dispatch) that is submitted at readback or every MAX_BATCH dispatches, never once per op.
 *
 * Each dispatch's uniform block takes a 256-byte slot of one arena buffer; the arena is written
 * with a single queue.writeBuffer just before its batch is submitted. Queue operations run in
 * order, so the next batch may rewrite the arena as soon as this one is submitted.
 */
import { TensorError } from '../../errors.js';
import type { GpuHandle } from './buffers.js';
import type { ErrorTracker } from './gpu-errors.js';
import { META_SLOTS, type Program } from './wgsl/common.js';

/** Dispatches per submitted batch. */
export const MAX_BATCH = 128;
const SLOT_BYTES = META_SLOTS * 4;

export class PipelineCache {
  private readonly cache = new Map<string, GPUComputePipeline>();
  /** Sources whose compilation failed: later uses throw at once instead of queueing garbage. */
  private readonly failed = new Map<string, TensorError>();
  constructor(
    private readonly device: GPUDevice,
    private readonly errors: ErrorTracker,
  ) {}

  /** The pipeline for `code`, compiled once; a WGSL or validation error names `op`. */
  get(code: string, op: string): GPUComputePipeline {
    const failure = this.failed.get(code);
    if (failure) throw new TensorError('backend', failure.message, { cause: failure });
    let p = this.cache.get(code);
    if (!p) {
      const device = this.device;
      p = this.errors.scoped(
        device,
        () => {
          const module = device.createShaderModule({ code, label: op });
          return device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: op });
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
  private readonly arena: GPUBuffer;
  private readonly arenaData = new Uint32Array(MAX_BATCH * META_SLOTS);
  private dispatches = 0;
  private readonly ops: string[] = [];
  private readonly outputs: GpuHandle[] = [];
  private readonly temporaries: GPUBuffer[] = [];
  /** Submitted batches so far (for tests and benchmarks). */
  submits = 0;
  /** The batch (by `submits` count) that last touched each buffer. */
  private readonly touched = new WeakMap<GPUBuffer, number>();

  constructor(
    private readonly device: GPUDevice,
    private readonly errors: ErrorTracker,
    private readonly pipelines: PipelineCache,
  ) {
    this.arena = device.createBuffer({ size: MAX_BATCH * SLOT_BYTES, usage: 0x40 | 0x08 }); // UNIFORM | COPY_DST
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

  /** Clears a pooled buffer that is about to be read while still logically zero. */
  materialize(h: GpuHandle): void {
    if (!h.dirty) return;
    this.open().clearBuffer(h.buffer, 0, h.buffer.size);
    this.touched.set(h.buffer, this.submits);
    h.dirty = false;
  }

  /** Encodes one program (its inputs must not be dirty; `run` clears them first). */
  dispatch(p: Program<GpuHandle>): void {
    const pipeline = this.pipelines.get(p.code, p.op);
    for (const h of p.inputs) {
      this.materialize(h);
      if (h.error) p.output.error ??= h.error;
    }
    const encoder = this.open();
    const slot = this.dispatches++;
    this.arenaData.set(p.meta, slot * META_SLOTS);
    const entries: GPUBindGroupEntry[] = [
      { binding: 0, resource: { buffer: this.arena, offset: slot * SLOT_BYTES, size: SLOT_BYTES } },
      { binding: 1, resource: { buffer: p.output.buffer } },
      ...p.inputs.map((h, k) => ({ binding: k + 2, resource: { buffer: h.buffer } })),
    ];
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(...p.workgroups);
    pass.end();
    for (const h of [p.output, ...p.inputs]) this.touched.set(h.buffer, this.submits);
    p.output.dirty = false;
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
    if (!this.encoder || this.touched.get(h.buffer) !== this.submits) {
      this.device.queue.writeBuffer(h.buffer, 0, words.buffer as ArrayBuffer, words.byteOffset, words.byteLength);
      return;
    }
    // Queued kernels may still read this (recycled) buffer: the copy must run after them.
    const size = Math.ceil(words.byteLength / 4) * 4;
    const tmp = this.device.createBuffer({ size, usage: 0x04, mappedAtCreation: true }); // COPY_SRC
    new Uint8Array(tmp.getMappedRange()).set(new Uint8Array(words.buffer, words.byteOffset, words.byteLength));
    tmp.unmap();
    this.open().copyBufferToBuffer(tmp, 0, h.buffer, 0, size);
    this.touched.set(h.buffer, this.submits);
    this.temporaries.push(tmp);
  }

  /** Encodes a copy of `bytes` of `h` into `staging`. */
  copyOut(h: GpuHandle, staging: GPUBuffer, bytes: number): void {
    this.open().copyBufferToBuffer(h.buffer, 0, staging, 0, bytes);
    this.touched.set(h.buffer, this.submits);
  }

  /** Submits everything queued as one command buffer. */
  flush(): void {
    const encoder = this.encoder;
    if (!encoder) return;
    this.encoder = undefined;
    const ops = this.ops.splice(0);
    const outputs = this.outputs.splice(0);
    if (this.dispatches > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaData.buffer, 0, this.dispatches * SLOT_BYTES);
    }
    this.dispatches = 0;
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
