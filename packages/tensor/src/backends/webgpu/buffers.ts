/**
 * GPU storage: a size-bucketed pool of storage buffers, the handle tensors hold, and the
 * conversions between host typed arrays and GPU words (bool is a u32 0/1 on the GPU, a byte on
 * the host; float32 and int32 are stored as they are).
 */
import type { DType, TypedArray } from '../../dtype.js';
import { fail, type TensorError } from '../../errors.js';

/** What a WebGPU tensor's storage handle is. */
export class GpuHandle {
  /**
   * True while the buffer came from the pool and has not been written: its contents are
   * logically zero, and it is cleared only if something reads it before a kernel overwrites it.
   */
  dirty: boolean;
  /** Set when the kernel that wrote this buffer failed; reading it rethrows. */
  error: TensorError | undefined = undefined;
  freed = false;
  constructor(
    readonly buffer: GPUBuffer,
    /** Bytes in use (4 per element). */
    readonly bytes: number,
    dirty: boolean,
  ) {
    this.dirty = dirty;
  }
}

const STORAGE_USAGE = 0x80 | 0x04 | 0x08; // STORAGE | COPY_SRC | COPY_DST
const MIN_BUCKET = 256;
/** Pooled bytes above this are destroyed rather than kept. */
const POOL_CAP = 512 * 2 ** 20;

/** Rounds up to the next of 2^k or 1.5 * 2^k (at most 33% slack), at least 256 bytes. */
export function bucketBytes(bytes: number): number {
  if (bytes <= MIN_BUCKET) return MIN_BUCKET;
  const p = 2 ** Math.ceil(Math.log2(bytes));
  return bytes <= 0.75 * p ? 0.75 * p : p;
}

/** Storage and readback buffers, reused by size bucket. */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private readonly staging = new Map<number, GPUBuffer[]>();
  private pooled = 0;

  constructor(private readonly device: GPUDevice) {}

  /** A handle for `elements` 4-byte words; a pooled buffer is marked dirty (logically zero). */
  acquire(elements: number, op: string): GpuHandle {
    const bytes = Math.max(4, elements * 4);
    const size = bucketBytes(bytes);
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (size > max) fail('backend', op, `${bytes} bytes exceed the adapter's storage buffer limit of ${max}`);
    const reused = this.free.get(size)?.pop();
    if (reused) {
      this.pooled -= size;
      return new GpuHandle(reused, bytes, true);
    }
    return new GpuHandle(this.device.createBuffer({ size, usage: STORAGE_USAGE }), bytes, false);
  }

  /** Returns a handle's buffer to the pool (or destroys it once the pool is full). */
  release(h: GpuHandle): void {
    if (h.freed) return;
    h.freed = true;
    const size = h.buffer.size;
    if (this.pooled + size > POOL_CAP) {
      h.buffer.destroy();
      return;
    }
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(h.buffer);
    this.pooled += size;
  }

  /** A MAP_READ | COPY_DST buffer of at least `bytes`. */
  acquireStaging(bytes: number): GPUBuffer {
    const size = bucketBytes(bytes);
    return this.staging.get(size)?.pop() ?? this.device.createBuffer({ size, usage: 0x01 | 0x08 });
  }

  releaseStaging(buffer: GPUBuffer): void {
    let list = this.staging.get(buffer.size);
    if (!list) {
      list = [];
      this.staging.set(buffer.size, list);
    }
    if (list.length < 4) list.push(buffer);
    else buffer.destroy();
  }

  /** Bytes of storage buffers waiting in the pool. */
  pooledBytes(): number {
    return this.pooled;
  }

  /** Destroys everything pooled. */
  clear(): void {
    for (const lists of [this.free, this.staging]) {
      for (const list of lists.values()) for (const b of list) b.destroy();
      lists.clear();
    }
    this.pooled = 0;
  }
}

/** Host data as the GPU stores it: bool bytes widen to u32 words. */
export function toGpuWords(dtype: DType, data: TypedArray): Uint32Array | Float32Array | Int32Array {
  if (dtype === 'bool') return Uint32Array.from(data as Uint8Array);
  if (dtype === 'float32') return data as Float32Array;
  if (dtype === 'int32') return data as Int32Array;
  return fail('device', 'write', 'webgpu has no float64 (WGSL lacks f64); cast to float32 first');
}

/** GPU words back into the dtype's host array (`size` elements). */
export function fromGpuWords(dtype: DType, bytes: ArrayBuffer, size: number): TypedArray {
  if (dtype === 'bool') {
    const words = new Uint32Array(bytes, 0, size);
    const out = new Uint8Array(size);
    for (let i = 0; i < size; i++) out[i] = words[i] ? 1 : 0;
    return out;
  }
  if (dtype === 'int32') return new Int32Array(bytes.slice(0, size * 4));
  return new Float32Array(bytes.slice(0, size * 4));
}
