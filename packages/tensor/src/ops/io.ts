/** Reading tensors back to JS and moving them between devices. */
import type { Device } from '../backend.js';
import { fromValues } from '../dispatch.js';
import type { DType, TypedArray } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import type { NestedArray, Tensor } from '../tensor.js';
import { clone } from './movement.js';

/** Row-major elements of `t`, reading only its window of the storage. */
export async function readData(t: Tensor): Promise<TypedArray> {
  if (!t.isContiguous) {
    const c = clone(t);
    try {
      return await readData(c);
    } finally {
      c.dispose();
    }
  }
  const { storage } = t;
  const all = await storage.backend.read(storage.handle, storage.dtype, storage.size);
  return t.offset === 0 && t.size === storage.size ? all : all.slice(t.offset, t.offset + t.size);
}

export function readDataSync(t: Tensor): TypedArray {
  const { storage } = t;
  const readSync = storage.backend.readSync?.bind(storage.backend);
  if (!readSync) fail('device', 'dataSync', `not available on ${t.device}; use await t.data()`);
  if (!t.isContiguous) {
    const c = clone(t);
    try {
      return readDataSync(c);
    } finally {
      c.dispose();
    }
  }
  const all = readSync(storage.handle, storage.dtype, storage.size);
  return t.offset === 0 && t.size === storage.size ? all : all.slice(t.offset, t.offset + t.size);
}

/** Nested arrays of numbers (booleans for bool) from row-major `data`. */
export function toNested(dtype: DType, shape: readonly number[], data: TypedArray): NestedArray {
  const leaf = (i: number): number | boolean => (dtype === 'bool' ? data[i] !== 0 : (data[i] as number));
  const build = (axis: number, base: number, step: number): NestedArray => {
    if (axis === shape.length) return leaf(base);
    const n = shape[axis] as number;
    const inner = step / Math.max(n, 1);
    return Array.from({ length: n }, (_, i) => build(axis + 1, base + i * inner, inner));
  };
  const size = shape.reduce((a, b) => a * b, 1);
  return build(0, 0, size);
}

export async function readArray(t: Tensor): Promise<NestedArray> {
  return toNested(t.dtype, t.shape, await readData(t));
}

/** The single element of a size-1 tensor. */
export async function readItem(t: Tensor): Promise<number> {
  if (t.size !== 1) fail('shape', 'item', `needs exactly one element, got shape ${fmtShape(t.shape)}`);
  return (await readData(t))[0] as number;
}

/** A copy of `t` on `device`; `t` itself when it is already there. */
export async function toDevice(t: Tensor, device: Device): Promise<Tensor> {
  if (t.device === device) return t;
  if (device === 'webgpu' && t.dtype === 'float64')
    fail('device', 'to', `webgpu has no float64 (WGSL lacks f64); cast ${fmtShape(t.shape)} to float32 first`);
  return fromValues(device, t.dtype, t.shape, await readData(t));
}
