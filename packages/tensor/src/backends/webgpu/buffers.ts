/**
 * GPU storage: a size-bucketed pool of storage buffers, the handle tensors hold, and the
 * conversions between host typed arrays and GPU words (bool is a u32 0/1 on the GPU, a byte on
 * the host; float32 and int32 are stored as they are).
 */
import type { DType, TypedArray } from '../../dtype.js';
import { fail, type TensorError } from '../../errors.js';
import type { PendingExpr } from './fusion.js';

/**
 * What a WebGPU tensor's storage handle is. Its GPU buffer is taken from the pool on first use,
 * so a result that lives only inside a fused expression (fusion.ts) never holds one.
 *
 * Lifetime: `freed` is set when the owning storage lets go; the buffer goes back to the pool
 * only once no pending expression reads the handle any more (`readers` is 0), see `Fuser.drop`.
 */
export class GpuHandle {
  private buf: GPUBuffer | undefined;
  /**
   * True while the contents are logically zero but the buffer may hold stale data (it came from
   * the pool): cleared only if something reads it before a kernel or upload overwrites it.
   */
  dirty = true;
  /** Set when the kernel that wrote this buffer failed; reading it rethrows. */
  error: TensorError | undefined = undefined;
  /** The owner released this handle (the buffer may live on for pending readers). */
  freed = false;
  /** The buffer went back to the pool; nothing may use this handle any more. */
  dead = false;
  /** Pending fused expressions (other handles' `pending`) that read this handle. */
  readers = 0;
  /** The elementwise expression that will produce this handle's contents (fusion.ts). */
  pending: PendingExpr | undefined = undefined;
  /** Host words written but not yet uploaded (single-element writes: often fused as constants). */
  hostWords: Uint32Array | Float32Array | Int32Array | undefined = undefined;
  /** The raw word of a single-element handle written from the host (fused kernels inline it). */
  constant: number | undefined = undefined;
  constructor(
    private readonly pool: BufferPool,
    /** Bytes in use (4 per element). */
    readonly bytes: number,
  ) {}

  /** The GPU buffer, taken from the pool on first use. */
  get buffer(): GPUBuffer {
    if (this.dead) fail('disposed', 'webgpu', `storage of ${this.bytes / 4} elements was freed`);
    if (!this.buf) {
      const { buffer, fresh } = this.pool.take(this.bytes);
      this.buf = buffer;
      if (fresh) this.dirty = false; // createBuffer zero-fills
    }
    return this.buf;
  }

  /** Whether a buffer was taken (for the pool's accounting). */
  get hasBuffer(): boolean {
    return this.buf !== undefined;
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
  /** Called after storage buffers are destroyed (cached bind groups naming them become invalid). */
  onDestroy: (() => void) | undefined = undefined;

  constructor(private readonly device: GPUDevice) {}

  /** A handle for `elements` 4-byte words (logically zero); its buffer is taken on first use. */
  acquire(elements: number, op: string): GpuHandle {
    const bytes = Math.max(4, elements * 4);
    const max = this.device.limits.maxStorageBufferBindingSize;
    if (bucketBytes(bytes) > max)
      fail('backend', op, `${bytes} bytes exceed the adapter's storage buffer limit of ${max}`);
    return new GpuHandle(this, bytes);
  }

  /** A buffer for `bytes`: a pooled one, or a new (zero-filled, `fresh`) one. */
  take(bytes: number): { buffer: GPUBuffer; fresh: boolean } {
    const size = bucketBytes(bytes);
    const reused = this.free.get(size)?.pop();
    if (reused) {
      this.pooled -= size;
      return { buffer: reused, fresh: false };
    }
    return { buffer: this.device.createBuffer({ size, usage: STORAGE_USAGE }), fresh: true };
  }

  /** Returns a handle's buffer (if it took one) to the pool, or destroys it once the pool is full. */
  release(h: GpuHandle): void {
    if (h.dead) return;
    const had = h.hasBuffer;
    const buffer = had ? h.buffer : undefined;
    h.dead = true;
    if (!buffer) return;
    const size = buffer.size;
    if (this.pooled + size > POOL_CAP) {
      buffer.destroy();
      this.onDestroy?.();
      return;
    }
    let list = this.free.get(size);
    if (!list) {
      list = [];
      this.free.set(size, list);
    }
    list.push(buffer);
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
    this.onDestroy?.();
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
