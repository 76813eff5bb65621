/**
 * Which CPU kernels run (`ts`: the readable TypeScript kernels; `wasm`: generated WebAssembly
 * SIMD kernels) and on how many threads. Defaults come from `WEBGRAD_CPU_KERNELS` (ts|wasm) and
 * `WEBGRAD_CPU_THREADS` (a count), else wasm where the engine has SIMD128 and shared memory, and
 * the machine's cores capped at MAX_DEFAULT_THREADS.
 */
import { fail } from '../../../errors.js';
import { cpuCount, setting as env } from './host.js';
import { sharedMemoryAvailable, simdAvailable } from './simd.js';

/** Which CPU kernels run: the TypeScript reference loops ('ts') or the generated WebAssembly ones ('wasm'). */
export type CpuKernelSet = 'ts' | 'wasm';

/** Two cores already double matmul; more threads cost handshakes on small problems. */
export const MAX_DEFAULT_THREADS = 4;

/** Whether the wasm kernel set can run here (SIMD128 and a shared WebAssembly.Memory). */
export function wasmKernelsAvailable(): boolean {
  return simdAvailable() && sharedMemoryAvailable();
}

let kernelSet: CpuKernelSet | undefined;

function defaultKernelSet(): CpuKernelSet {
  const asked = env('WEBGRAD_CPU_KERNELS');
  if (asked === 'ts') return 'ts';
  if (asked !== undefined && asked !== 'wasm' && asked !== '') {
    fail('value', 'WEBGRAD_CPU_KERNELS', `expected 'ts' or 'wasm', got '${asked}'`);
  }
  if (asked === 'wasm' && !wasmKernelsAvailable()) {
    fail('backend', 'WEBGRAD_CPU_KERNELS', 'wasm kernels need WebAssembly SIMD128 and shared memory, missing here');
  }
  return wasmKernelsAvailable() ? 'wasm' : 'ts';
}

/** The kernel set CPU ops use now. */
export function getCpuKernels(): CpuKernelSet {
  kernelSet ??= defaultKernelSet();
  return kernelSet;
}

/**
 * Chooses the CPU kernel set for ops run from now on. Existing tensors stay valid under either.
 * @example setCpuKernels('ts'); // the readable reference kernels
 */
export function setCpuKernels(set: CpuKernelSet): void {
  if (set !== 'ts' && set !== 'wasm') fail('value', 'setCpuKernels', `expected 'ts' or 'wasm', got '${String(set)}'`);
  if (set === 'wasm' && !wasmKernelsAvailable()) {
    fail('backend', 'setCpuKernels', 'wasm kernels need WebAssembly SIMD128 and shared memory, missing here');
  }
  kernelSet = set;
}

let threads: number | undefined;

function defaultThreads(): number {
  const asked = env('WEBGRAD_CPU_THREADS');
  if (asked !== undefined && asked !== '') {
    const n = Number(asked);
    if (!Number.isInteger(n) || n < 1) fail('value', 'WEBGRAD_CPU_THREADS', `expected a count >= 1, got '${asked}'`);
    return n;
  }
  return Math.max(1, Math.min(cpuCount(), MAX_DEFAULT_THREADS));
}

/** Threads big wasm kernels split across (the calling thread included). */
export function getCpuThreads(): number {
  threads ??= defaultThreads();
  return threads;
}

/**
 * Sets how many threads big CPU kernels use (1: only the calling thread).
 * @example setCpuThreads(1);
 */
export function setCpuThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) fail('value', 'setCpuThreads', `expected an integer >= 1, got ${n}`);
  threads = n;
}
