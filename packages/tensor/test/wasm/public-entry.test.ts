/**
 * The public subpath `@webgrad/tensor/wasm`, imported by name as a user would: it exposes the
 * module builder that the kernels use (the same classes and tables, not copies), and its TSDoc
 * example (a SIMD scale kernel) runs and scales every element, including a non-uniform input.
 */
import * as wasm from '@webgrad/tensor/wasm';
import { describe, expect, it } from 'vitest';
import { ModuleBuilder as InternalBuilder } from '../../src/backends/cpu/wasm/module-builder.js';
import { OP as InternalOp, SIMD as InternalSimd } from '../../src/backends/cpu/wasm/opcodes.js';

describe('@webgrad/tensor/wasm', () => {
  it('exports the builder, the opcode tables and the feature checks the kernels use', () => {
    expect(wasm.ModuleBuilder).toBe(InternalBuilder);
    expect(wasm.OP).toBe(InternalOp);
    expect(wasm.SIMD).toBe(InternalSimd);
    expect(wasm.VALTYPE.f32).toBe(0x7d);
    expect(typeof wasm.simdAvailable()).toBe('boolean');
    expect(typeof wasm.sharedMemoryAvailable()).toBe('boolean');
  });

  it.skipIf(!wasm.simdAvailable())('runs the documented example: p[i] *= s over f32x4 lanes', () => {
    const { ModuleBuilder, OP, SIMD } = wasm;
    const m = new ModuleBuilder({ shared: false });
    m.func('scale', ['i32', 'i32', 'f32'], [], (c) => {
      const [p, n, s] = [0, 1, 2];
      const [i, at] = [c.local('i32'), c.local('i32')];
      c.forRange(
        i,
        () => c.i32(0),
        () => c.get(n),
        4,
        () => {
          c.get(p).get(i).i32(2).op(OP.i32Shl).op(OP.i32Add).set(at);
          c.get(at).get(at).v128Load().get(s).simd(SIMD.f32x4Splat).simd(SIMD.f32x4Mul).v128Store();
        },
      );
    });
    const api = (globalThis as unknown as { WebAssembly: typeof WebAssembly }).WebAssembly;
    const memory = new api.Memory({ initial: 1 });
    const { exports } = new api.Instance(new api.Module(m.emit()), { env: { memory } });
    const x = new Float32Array(memory.buffer, 16, 12);
    x.set(Array.from({ length: 12 }, (_, k) => k - 5.5));
    const expected = Array.from(x, (v) => Math.fround(v * 0.5));
    (exports.scale as (p: number, n: number, s: number) => void)(16, 8, 0.5);
    expect(Array.from(x.subarray(0, 8))).toEqual(expected.slice(0, 8));
    expect(Array.from(x.subarray(8))).toEqual([2.5, 3.5, 4.5, 5.5]); // past n: untouched
  });
});
