/**
 * Feature checks, made once: does this engine validate SIMD128 instructions, and can it make a
 * shared WebAssembly.Memory (threads need it, and our storage lives in one so that typed-array
 * views on it survive `memory.grow`, see memory.ts)?
 */
import { ModuleBuilder } from './module-builder.js';
import { SIMD } from './opcodes.js';

let simd: boolean | undefined;

/** True when `WebAssembly.validate` accepts a function using f32x4 arithmetic. */
export function simdAvailable(): boolean {
  if (simd === undefined) {
    try {
      const m = new ModuleBuilder({ shared: false });
      m.func('probe', [], [], (c) => {
        c.f32(1).simd(SIMD.f32x4Splat).f32(2).simd(SIMD.f32x4Splat).simd(SIMD.f32x4Add).op(0x1a); // drop
      });
      simd = typeof WebAssembly === 'object' && WebAssembly.validate(m.emit());
    } catch {
      simd = false;
    }
  }
  return simd;
}

let shared: boolean | undefined;

/** True when a shared WebAssembly.Memory can be created (SharedArrayBuffer is enabled). */
export function sharedMemoryAvailable(): boolean {
  if (shared === undefined) {
    try {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
    } catch {
      shared = false;
    }
  }
  return shared;
}
