/** Reading tensors back to JS and moving them between devices. */
import type { Device } from '../backend.js';
import { fromValues } from '../dispatch.js';
import { allocArray, type DType, type TypedArray } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { giveNetATurn, netNeedsTurn } from '../gc-net.js';
import type { NestedArray, Tensor } from '../tensor.js';
import { clone } from './movement.js';

/**
 * Row-major elements of `t`, reading only its window of the storage: a contiguous view reads
 * its own elements (one element of a big GPU buffer transfers 4 bytes' worth, not the buffer);
 * a strided view is first copied on its device into a compact buffer of its own size.
 */
export async function readData(t: Tensor): Promise<TypedArray> {
  const { storage } = t; // throws for a disposed tensor
  if (t.size === 0) return allocArray(t.dtype, 0);
  if (!t.isContiguous) {
    const c = clone(t);
    try {
      return await readData(c);
    } finally {
      c.dispose();
    }
  }
  const data = await storage.backend.read(storage.handle, storage.dtype, t.size, t.offset);
  // An await point of a training loop: let the GC net's finalizers run if it just collected.
  if (netNeedsTurn()) await giveNetATurn();
  return data;
}

/** `op` names the synchronous reader called (dataSync, arraySync, itemSync) in the error. */
export function readDataSync(t: Tensor, op = 'dataSync'): TypedArray {
  const { storage } = t;
  const readSync = storage.backend.readSync?.bind(storage.backend);
  if (!readSync) {
    fail(
      'device',
      op,
      `${fmtShape(t.shape)} ${t.dtype} on ${t.device} cannot be read synchronously (the GPU answers later); use await t.${op.replace(/Sync$/, '')}()`,
    );
  }
  if (t.size === 0) return allocArray(t.dtype, 0);
  if (!t.isContiguous) {
    const c = clone(t);
    try {
      return readDataSync(c);
    } finally {
      c.dispose();
    }
  }
  return readSync(storage.handle, storage.dtype, t.size, t.offset);
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

/** The values of `t` as nested JavaScript arrays (bools as booleans), read back from any device. */
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
