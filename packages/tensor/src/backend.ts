/**
 * The contract between the tensor front end and a device. A backend owns raw storage and runs
 * the kernels of the non-view primitives; it knows nothing of autograd, views bookkeeping or
 * broadcasting rules (dispatch hands it operands already broadcast, see prims.ts).
 */
import type { DType, TypedArray } from './dtype.js';
import type { KernelPrim, PrimAttrs } from './prims.js';

/** Where a tensor's storage lives. */
export type Device = 'cpu' | 'webgpu';

/** A strided window onto a backend's storage. `handle` is whatever the backend allocated. */
export interface View<H = unknown> {
  readonly handle: H;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** What a device must provide: storage (alloc, write, read, free) and `run`, one kernel per kernel primitive. The CPU and WebGPU backends implement it; `registerBackend` adds one. */
export interface Backend<H = unknown> {
  readonly device: Device;
  /**
   * Storage for `size` elements of `dtype`, zero-filled unless `zeroed` is false: then its
   * contents are unspecified and the caller writes every element before anything reads one
   * (dispatch asks for that only for kernels that overwrite their whole output, see
   * kernel-outputs.ts). A backend may zero-fill anyway.
   */
  alloc(dtype: DType, size: number, zeroed?: boolean): H;
  /** Copies `data` (the dtype's typed array, length = size) into storage. */
  write(handle: H, dtype: DType, data: TypedArray): void;
  /**
   * A copy of elements [offset, offset + size) of the storage (offset defaults to 0), so reading
   * a small view of a big buffer transfers only that window.
   */
  read(handle: H, dtype: DType, size: number, offset?: number): Promise<TypedArray>;
  /** Synchronous read, where the device allows it (the CPU); same window as `read`. */
  readSync?(handle: H, dtype: DType, size: number, offset?: number): TypedArray;
  /** Releases storage made by `alloc` (called once its last tensor lets go). */
  free(handle: H, dtype: DType, size: number): void;
  /** Runs a primitive's kernel, writing a fresh contiguous `out`. */
  run<P extends KernelPrim>(prim: P, inputs: readonly View<H>[], out: View<H>, attrs: PrimAttrs[P]): void;
  /** Bytes held in reuse pools (0 for backends without a pool). */
  pooledBytes?(): number;
  /** Waits for queued work (no-op on the CPU). */
  sync?(): Promise<void>;
}

const backends = new Map<Device, Backend>();

/** Makes `backend` the one for its device (the CPU backend is registered on import; `initWebGPU` registers WebGPU). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.device, backend);
}

/** Removes the backend of `device` (tensors on it can no longer run ops). */
export function unregisterBackend(device: Device): void {
  backends.delete(device);
}

/** The backend registered for `device`, if any. */
export function getBackend(device: Device): Backend | undefined {
  return backends.get(device);
}
