/**
 * Reuse of freed typed arrays, by dtype and length. A training step frees and reallocates the
 * same shapes every iteration; taking them from here instead of `new Float32Array(n)` saves the
 * allocation and, above all, the garbage collections that fresh ArrayBuffers trigger.
 */
import { allocArray, DTYPES, type DType, type TypedArray } from '../../dtype.js';

export class ArrayPool {
  private readonly lists = new Map<DType, Map<number, TypedArray[]>>(DTYPES.map((d) => [d, new Map()]));
  /** Bytes currently held for reuse. */
  bytes = 0;

  /**
   * @param maxBytes arrays freed beyond this many pooled bytes are left to the GC (or `discard`).
   * @param allocate makes a fresh array, zero-filled when its `zeroed` argument is true (default: a
   *   new typed array, always zero).
   * @param discard takes arrays the pool does not keep (default: none, the GC reclaims them).
   * @param clear zero-fills a reused array (default: `fill(0)`).
   */
  constructor(
    readonly maxBytes: number,
    private readonly allocate: (dtype: DType, size: number, zeroed: boolean) => TypedArray = allocArray,
    private readonly discard?: (array: TypedArray) => void,
    private readonly clear: (array: TypedArray) => void = (a) => a.fill(0),
  ) {}

  /**
   * An array of `size` elements, a pooled one when available, else a fresh one: zero-filled, or
   * with whatever it held last when `zeroed` is false (the caller overwrites it).
   */
  take(dtype: DType, size: number, zeroed = true): TypedArray {
    const reused = this.lists.get(dtype)?.get(size)?.pop();
    if (!reused) return this.allocate(dtype, size, zeroed);
    this.bytes -= reused.byteLength;
    if (zeroed) this.clear(reused);
    return reused;
  }

  /** Keeps `array` (no longer referenced by any storage) for a later `take`. */
  give(dtype: DType, array: TypedArray): void {
    if (array.length === 0 || this.bytes + array.byteLength > this.maxBytes) {
      this.discard?.(array);
      return;
    }
    const bySize = this.lists.get(dtype) as Map<number, TypedArray[]>;
    const list = bySize.get(array.length);
    if (list) list.push(array);
    else bySize.set(array.length, [array]);
    this.bytes += array.byteLength;
  }
}
