/**
 * CPU storage inside one shared WebAssembly.Memory, so generated kernels (and worker threads)
 * reach every tensor without a copy per op. Storage handles stay typed arrays: a view made on a
 * shared memory's buffer keeps working after `memory.grow` (the SharedArrayBuffer it was made
 * on is never detached, it only stops being the whole memory), so the TypeScript kernels run on
 * the same storage unchanged. A non-shared memory would detach every view on grow; that is why
 * the wasm kernel set requires shared memory (simd.ts) and otherwise leaves the TS set in charge.
 *
 * Allocation is by size class: a request is rounded up to a multiple of a quarter of its power of
 * two (at most 25% waste; 64 bytes at least), freed blocks go to their class's free list and are
 * reused before the top of the heap moves. Memory never shrinks (WebAssembly cannot), so free
 * lists are the pool; `freeBytes` reports what they hold.
 */
import { ARRAY_TYPES, bytesPerElement, type DType, type TypedArray } from '../../../dtype.js';
import { ModuleBuilder } from './module-builder.js';
import { OP } from './opcodes.js';

const PAGE = 65536;
/** wasm32's limit (4 GiB); a shared memory reserves address space for it, not physical memory. */
export const MAX_PAGES = 65536;

/**
 * Tensors smaller than this stay in ordinary typed arrays under the wasm set too: JS reaches plain
 * arrays faster than views on shared memory (tiny ops then cost what they cost under the TS set),
 * and kernels copy such small operands into the heap when they need them.
 */
export const HEAP_MIN_ELEMENTS = 1024;

/** The size class of a request: a multiple of 2^(floor(log2(bytes - 1)) - 2), 64 at least. */
export function sizeClass(bytes: number): number {
  if (bytes <= 64) return 64;
  const step = 2 ** (Math.floor(Math.log2(bytes - 1)) - 2);
  return Math.ceil(bytes / step) * step;
}

let zeroModule: WebAssembly.Module | undefined;

/**
 * zero(address, bytes): 16-byte stores of zero (address 16-aligned, bytes a multiple of 16).
 * TypedArray.fill on a SharedArrayBuffer is far slower than on an ordinary one (it profiled at
 * ~14% of a GPT training step); a wasm loop runs at memory speed.
 */
function zeroBytes(): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ shared: true, minPages: 1, maxPages: MAX_PAGES });
  m.func('zero', ['i32', 'i32'], [], (c) => {
    const [at, bytes] = [0, 1];
    const [end, zero] = [c.local('i32'), c.local('v128')];
    c.get(at).get(bytes).op(OP.i32Add).set(end);
    c.f32(0).simd(0x13).set(zero); // f32x4.splat of +0: all bits 0
    c.block(() =>
      c.loop(() => {
        c.get(at).get(end).op(OP.i32GeU).brIf(1);
        c.get(at).get(zero).v128Store();
        c.get(at).i32(16).op(OP.i32Add).set(at).br(0);
      }),
    );
  });
  return m.emit();
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  /** Byte address of the first never-used byte. */
  private top = 64; // address 0 stays unused, so a zero pointer is never a live block
  private readonly free = new Map<number, number[]>();
  /** Bytes in the free lists. */
  freeBytes = 0;
  /** Every SharedArrayBuffer this memory has exposed (one per grow): how `owns` recognises views. */
  private readonly buffers = new Set<ArrayBufferLike>();

  private readonly zeroFn: (address: number, bytes: number) => void;

  constructor(initialPages = 256) {
    this.memory = new WebAssembly.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
    this.buffers.add(this.memory.buffer);
    zeroModule ??= new WebAssembly.Module(zeroBytes());
    const instance = new WebAssembly.Instance(zeroModule, { env: { memory: this.memory } });
    this.zeroFn = instance.exports.zero as (address: number, bytes: number) => void;
  }

  /** Zero-fills a view made by `allocArray` (its whole size-class block). */
  zeroArray(array: TypedArray): void {
    this.zeroFn(array.byteOffset, sizeClass(Math.max(array.length, 1) * array.BYTES_PER_ELEMENT));
  }

  /**
   * Byte address of a block of at least `bytes`, zero-filled unless `zeroed` is false (a reused
   * block then keeps its old contents); undefined when the memory is full.
   */
  allocBytes(bytes: number, zeroed = true): number | undefined {
    const size = sizeClass(bytes);
    const reused = this.free.get(size)?.pop();
    if (reused !== undefined) {
      this.freeBytes -= size;
      if (zeroed) this.zeroFn(reused, size);
      return reused;
    }
    const address = this.top;
    const end = address + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      // Grow at least geometrically (fewer grows, fewer buffer objects), within the maximum.
      const current = have / PAGE;
      const want = Math.min(Math.max(pages, current >> 1), MAX_PAGES - current);
      if (want < pages) return undefined;
      this.memory.grow(want);
      this.buffers.add(this.memory.buffer);
    }
    this.top = end;
    return address; // never used before: still zero
  }

  freeAddress(address: number, bytes: number): void {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    if (list) list.push(address);
    else this.free.set(size, [address]);
    this.freeBytes += size;
  }

  /** A typed array of `size` elements on this memory (zero-filled unless `zeroed` is false), or undefined when it is full. */
  allocArray(dtype: DType, size: number, zeroed = true): TypedArray | undefined {
    const address = this.allocBytes(Math.max(size, 1) * bytesPerElement(dtype), zeroed);
    if (address === undefined) return undefined;
    // A SharedArrayBuffer: typed as ArrayBuffer only because the constructors are a union here.
    return new ARRAY_TYPES[dtype](this.memory.buffer as ArrayBuffer, address, size);
  }

  /** Returns an array made by `allocArray` to the free lists. */
  freeArray(array: TypedArray): void {
    this.freeAddress(array.byteOffset, Math.max(array.length, 1) * array.BYTES_PER_ELEMENT);
  }

  /** Whether `array` is a view on this memory (kernels may then address it directly). */
  owns(array: TypedArray): boolean {
    return this.buffers.has(array.buffer);
  }

  /** Bytes the memory spans now. */
  get capacity(): number {
    return this.memory.buffer.byteLength;
  }
}
