/**
 * Out-of-range gather/scatterAdd indices on WebGPU. The CPU raises at the op; a GPU kernel cannot
 * raise, so each checked dispatch gets a slot in one flag buffer that the kernel bumps (atomics)
 * when it meets a bad index, and the backend raises the same 'index' TensorError at the latest
 * at the next readback or sync, naming the op, the index, the axis and the shape.
 *
 * Cost: nothing at all between readbacks but the atomics of bad indices; at a readback after
 * checked dispatches, 8 more bytes per dispatch copied into the readback buffer behind the data
 * (same submit, same map). Slot layout: word 2k counts the bad indices of dispatch k, word 2k + 1
 * holds one of them.
 */
import { fmtShape, TensorError } from '../../errors.js';
import type { BufferPool, GpuHandle } from './buffers.js';
import type { CommandStream } from './pipelines.js';

/** Slots per flag buffer (128 KiB); past that, dispatches share the last slot until the next readback. */
const SLOTS = 16384;

/** What a checked dispatch tells the checker about itself. */
export interface CheckedOp {
  op: 'gather' | 'scatterAdd';
  axis: number;
  /** Shape of the operand the index points into (x for gather, out for scatterAdd). */
  shape: readonly number[];
  /** The dispatch's output: reading it later rethrows the error. */
  output: GpuHandle;
}

/** The flag buffer and slot a checked kernel writes. */
export interface CheckSlot {
  flags: GpuHandle;
  slot: number;
}

/** Flags copied out for one readback, with the dispatches they belong to. */
export interface PendingVerify {
  bytes: number;
  records: (CheckedOp & { slot: number })[];
}

export class IndexChecks {
  private readonly flags: GpuHandle;
  private records: (CheckedOp & { slot: number })[] = [];

  constructor(
    pool: BufferPool,
    private readonly stream: CommandStream,
  ) {
    this.flags = pool.acquire(2 * SLOTS, 'index-check');
  }

  /** A slot for a new checked dispatch (encoded right after this call). */
  slot(op: CheckedOp): CheckSlot {
    // After a readback the flags are stale: clear them, in stream order, before the first reuse.
    if (this.records.length === 0) this.stream.materialize(this.flags);
    const slot = Math.min(this.records.length, SLOTS - 1);
    this.records.push({ ...op, shape: [...op.shape], slot });
    return { flags: this.flags, slot };
  }

  /** Bytes of flags the checks since the last readback need in a readback buffer (0: none). */
  get pendingBytes(): number {
    return 8 * Math.min(this.records.length, SLOTS);
  }

  /**
   * Encodes the copy of the used flags into `staging` at byte `at` (a multiple of 8), before the
   * batch is flushed, and takes the pending checks.
   */
  begin(staging: GPUBuffer, at: number): PendingVerify | undefined {
    const bytes = this.pendingBytes;
    if (bytes === 0) return undefined;
    const records = this.records;
    this.records = [];
    this.stream.copyOut(this.flags, staging, bytes, 0, at);
    this.flags.dirty = true; // cleared by the next slot()
    return { bytes, records };
  }

  /**
   * Reads the flags from their mapped range once the batch ran; returns the error of the first
   * dispatch that met a bad index (undefined if none), marking every such dispatch's output.
   */
  finish(v: PendingVerify, mapped: ArrayBuffer): TensorError | undefined {
    const words = new Int32Array(mapped, 0, v.bytes / 4);
    const shared = v.records.filter((r) => r.slot === SLOTS - 1).length;
    let first: TensorError | undefined;
    for (const r of v.records) {
      const count = (words[2 * r.slot] as number) >>> 0;
      if (count === 0) continue;
      const index = words[2 * r.slot + 1] as number;
      const n = r.shape[r.axis] as number;
      const which = r.slot === SLOTS - 1 && shared > 1 ? `one of ${shared} dispatches: ` : '';
      const e = new TensorError(
        'index',
        `${r.op}: ${which}index ${index} is out of range for axis ${r.axis} of ${fmtShape(r.shape)} (valid: ${-n} to ${n - 1}); ` +
          `found by the webgpu kernel (${count} bad ${count === 1 ? 'index' : 'indices'}) and raised at this readback`,
      );
      r.output.error ??= e;
      first ??= e;
    }
    return first;
  }
}
