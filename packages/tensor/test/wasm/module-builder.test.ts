/**
 * The WebAssembly module builder: LEB128 encodings against hand-computed bytes (spec 5.2.2
 * examples), and emitted modules that the engine validates and runs: scalar arithmetic, loops over
 * memory, SIMD128 lanes, shared memory.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Code, ModuleBuilder, signedLeb, unsignedLeb } from '../../src/backends/cpu/wasm/module-builder.js';
import { OP, SIMD } from '../../src/backends/cpu/wasm/opcodes.js';
import { sharedMemoryAvailable, simdAvailable } from '../../src/backends/cpu/wasm/simd.js';

/** Decodes LEB128 back (the reference for the round-trip property). */
function decode(bytes: number[], signed: boolean): number {
  let result = 0;
  let shift = 0;
  let byte = 0;
  let i = 0;
  do {
    byte = bytes[i++] as number;
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  expect(i).toBe(bytes.length);
  if (signed && byte & 0x40) result -= 2 ** shift;
  return result;
}

type Fn = (...args: number[]) => number;

function instantiate(m: ModuleBuilder, memory: WebAssembly.Memory): Record<string, Fn> {
  const bytes = m.emit();
  expect(WebAssembly.validate(bytes)).toBe(true);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
  return instance.exports as unknown as Record<string, Fn>;
}

describe('LEB128', () => {
  it('matches the known encodings', () => {
    expect(unsignedLeb(0)).toEqual([0]);
    expect(unsignedLeb(127)).toEqual([0x7f]);
    expect(unsignedLeb(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(signedLeb(-1)).toEqual([0x7f]);
    expect(signedLeb(63)).toEqual([0x3f]);
    expect(signedLeb(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('round-trips every u32 and i32', () => {
    fc.assert(fc.property(fc.nat({ max: 2 ** 32 - 1 }), (n) => decode(unsignedLeb(n), false) === n));
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => decode(signedLeb(n), true) === n));
  });
});

describe('ModuleBuilder', () => {
  const memory = new WebAssembly.Memory({ initial: 1 });

  it('emits scalar functions with constants, locals and branches', () => {
    const m = new ModuleBuilder({ shared: false });
    m.func('axpb', ['f64', 'f64'], ['f64'], (c) => c.get(0).get(1).op(OP.f64Mul).f64(-0.5).op(OP.f64Add));
    m.func('absDiff', ['i32', 'i32'], ['i32'], (c) => {
      const d = c.local('i32');
      c.get(0).get(1).op(OP.i32Sub).set(d);
      c.get(d).i32(0).op(OP.i32LtS);
      c.ifThen(
        () => c.i32(0).get(d).op(OP.i32Sub).set(d),
        () => c.get(d).i32(1000).op(OP.i32Add).set(d),
      );
      c.get(d);
    });
    const f = instantiate(m, memory);
    expect(f.axpb?.(3, 4)).toBe(11.5);
    expect(f.absDiff?.(2, 9)).toBe(7);
    expect(f.absDiff?.(9, 2)).toBe(1007);
  });

  it('loops over memory (sum of n float32 values at a byte address)', () => {
    const m = new ModuleBuilder({ shared: false });
    m.func('sum', ['i32', 'i32'], ['f32'], (c: Code) => {
      const [i, acc] = [c.local('i32'), c.local('f32')];
      c.forRange(
        i,
        () => c.i32(0),
        () => c.get(1),
        1,
        () => {
          c.get(acc).get(0).get(i).i32(2).op(OP.i32Shl).op(OP.i32Add).mem(OP.f32Load, 0, 2).op(OP.f32Add).set(acc);
        },
      );
      c.get(acc);
    });
    const f = instantiate(m, memory);
    const view = new Float32Array(memory.buffer, 64, 100);
    for (let k = 0; k < 100; k++) view[k] = k;
    expect(f.sum?.(64, 100)).toBe(4950);
    expect(f.sum?.(64, 0)).toBe(0);
  });

  it.runIf(simdAvailable())('runs SIMD128 f32x4 and f64x2 lanes', () => {
    const m = new ModuleBuilder({ shared: false });
    // out[0..3] = a[0..3] * b[0..3] + splat(s), as f32x4; then f64x2 max of two pairs.
    m.func('f32lanes', ['i32', 'i32', 'i32', 'f32'], [], (c) => {
      c.get(2).get(0).v128Load().get(1).v128Load().simd(SIMD.f32x4Mul);
      c.get(3).simd(SIMD.f32x4Splat).simd(SIMD.f32x4Add).v128Store();
    });
    m.func('f64lanes', ['i32', 'i32'], ['f64'], (c) => {
      c.get(0).v128Load().get(1).v128Load().simd(SIMD.f64x2Max).lane(SIMD.f64x2ExtractLane, 1);
    });
    const f = instantiate(m, memory);
    new Float32Array(memory.buffer, 0, 8).set([1, 2, 3, 4, 10, 20, 30, 40]);
    f.f32lanes?.(0, 16, 32, 0.5);
    expect(Array.from(new Float32Array(memory.buffer, 32, 4))).toEqual([10.5, 40.5, 90.5, 160.5]);
    new Float64Array(memory.buffer, 64, 4).set([1, -2, 0, -3]);
    expect(f.f64lanes?.(64, 80)).toBe(-2);
  });

  it.runIf(sharedMemoryAvailable())('imports a shared memory with a maximum', () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const m = new ModuleBuilder({ shared: true, minPages: 1, maxPages: 4 });
    m.func('store', ['i32', 'f64'], [], (c) => c.get(0).get(1).mem(OP.f64Store, 8, 3));
    const f = instantiate(m, shared);
    f.store?.(0, 2.25);
    expect(new Float64Array(shared.buffer)[1]).toBe(2.25);
    // A module declaring a non-shared memory must not link against a shared one.
    const plain = new ModuleBuilder({ shared: false });
    plain.func('noop', [], [], () => {});
    expect(() => new WebAssembly.Instance(new WebAssembly.Module(plain.emit()), { env: { memory: shared } })).toThrow();
  });

  it('encodes function bodies larger than the spread-argument limit', () => {
    const m = new ModuleBuilder({ shared: false });
    m.func('big', [], ['i32'], (c) => {
      c.i32(0);
      for (let k = 0; k < 40_000; k++) c.i32(3).op(OP.i32Add);
    });
    expect(instantiate(m, memory).big?.()).toBe(120_000);
  });
});
