/**
 * `@webgrad/tensor/wasm`: the small WebAssembly module builder that the CPU backend's kernel
 * generators use, for readers who want to write (or measure) kernels of their own. A kernel is
 * a TypeScript function that emits instructions through {@link Code}; {@link ModuleBuilder}
 * lays out the binary module (one imported memory `env.memory`, functions, exports), and the
 * engine compiles it at run time: no toolchain, no prebuilt .wasm file. {@link OP},
 * {@link SIMD} and {@link VALTYPE} name the opcodes and value types; {@link simdAvailable} and
 * {@link sharedMemoryAvailable} say whether this engine runs SIMD128 and shared memory.
 *
 * This entry has no side effects: importing it starts no backend and allocates nothing.
 * @example
 *   import { ModuleBuilder, OP, SIMD } from '@webgrad/tensor/wasm';
 *   // scale(p, n, s): p[i] *= s for the n floats at byte address p (n a multiple of 4).
 *   const m = new ModuleBuilder({ shared: false });
 *   m.func('scale', ['i32', 'i32', 'f32'], [], (c) => {
 *     const [p, n, s] = [0, 1, 2];
 *     const [i, at] = [c.local('i32'), c.local('i32')];
 *     c.forRange(i, () => c.i32(0), () => c.get(n), 4, () => {
 *       c.get(p).get(i).i32(2).op(OP.i32Shl).op(OP.i32Add).set(at); // at = p + 4 i
 *       c.get(at).get(at).v128Load().get(s).simd(SIMD.f32x4Splat).simd(SIMD.f32x4Mul).v128Store();
 *     });
 *   });
 *   const memory = new WebAssembly.Memory({ initial: 1 });
 *   const { instance } = await WebAssembly.instantiate(m.emit(), { env: { memory } });
 *   const x = new Float32Array(memory.buffer, 0, 8).fill(3);
 *   (instance.exports.scale as (p: number, n: number, s: number) => void)(0, 8, 0.5);
 *   console.log(x); // Float32Array(8) [1.5, 1.5, ...]
 * @module @webgrad/tensor/wasm
 */
export { Code, type MemoryImport, ModuleBuilder } from './backends/cpu/wasm/module-builder.js';
export { BLOCK_VOID, OP, SIMD, VALTYPE, type ValType } from './backends/cpu/wasm/opcodes.js';
export { sharedMemoryAvailable, simdAvailable } from './backends/cpu/wasm/simd.js';
