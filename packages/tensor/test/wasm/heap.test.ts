/**
 * The wasm heap: size classes waste at most a quarter, freed blocks come back zero-filled for
 * their class only, and typed-array views made before a `memory.grow` keep their values.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sizeClass, WasmHeap } from '../../src/backends/cpu/wasm/heap.js';
import { sharedMemoryAvailable } from '../../src/backends/cpu/wasm/simd.js';

describe.runIf(sharedMemoryAvailable())('WasmHeap', () => {
  it('rounds requests up by at most 25% (64 bytes at least), to multiples of 16', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 30 }), (bytes) => {
        const c = sizeClass(bytes);
        return c >= bytes && c % 16 === 0 && (c <= 64 || c <= bytes * 1.25) && sizeClass(c) === c;
      }),
    );
  });

  it('reuses a freed block for the same class, zero-filled, and 16-byte aligned', () => {
    const heap = new WasmHeap(1);
    const a = heap.allocArray('float32', 100) as Float32Array;
    expect(a.byteOffset % 16).toBe(0);
    a.fill(3);
    heap.freeArray(a);
    expect(heap.freeBytes).toBe(sizeClass(400));
    const other = heap.allocArray('float32', 1000) as Float32Array;
    expect(other.byteOffset).not.toBe(a.byteOffset);
    const b = heap.allocArray('float64', 50) as Float64Array; // 400 bytes: the same class
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(Array.from(b).every((v) => v === 0)).toBe(true);
    expect(heap.freeBytes).toBe(0);
    expect(heap.owns(b)).toBe(true);
    expect(heap.owns(new Float64Array(50))).toBe(false);
  });

  it('keeps earlier views valid across memory.grow', () => {
    const heap = new WasmHeap(1);
    const early = heap.allocArray('int32', 1000) as Int32Array;
    early.fill(7);
    const before = heap.capacity;
    const big = heap.allocArray('float64', 200_000) as Float64Array; // 1.6 MB: forces a grow
    expect(heap.capacity).toBeGreaterThan(before);
    big[199_999] = 1.5;
    expect(early.length).toBe(1000);
    expect(early.every((v) => v === 7)).toBe(true);
    expect(heap.owns(early) && heap.owns(big)).toBe(true);
    expect(big[199_999]).toBe(1.5);
  });
});
