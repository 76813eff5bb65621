/**
 * Turning op-spec operands (plain data) into tensors with a requested memory layout, and reading
 * tensors back as `Ref`s. Shared by the CPU, WebGPU parity and gradcheck suites.
 */
import { type Device, type DType, detach, type Tensor, tensor } from '@webgrad/tensor';
import type { OpCase, Operand, Ref } from './op-spec.js';
import { permuteRef, sizeOfShape } from './references.js';

export interface MaterializeOptions {
  /** The dtype of 'float' operands (int32 and bool operands keep theirs). */
  dtype: DType;
  device: Device;
}

/** The dtype an operand gets under `floatDType`. */
export function operandDType(op: Operand, floatDType: DType): DType {
  return op.kind === 'float' ? floatDType : op.kind;
}

/** Values that fill unused storage slots, so a kernel reading outside its view shows up. */
const SENTINEL: Record<DType, number> = { float32: Number.NaN, float64: Number.NaN, int32: -777, bool: 1 };

/**
 * A tensor holding `op`'s values in its layout:
 * - 'contiguous': row-major;
 * - 'transposed': stored with the axes reversed, then permuted back (reversed strides);
 * - 'sliced': stored at odd positions of a last axis of length 2d + 1 and sliced out with
 *   start 1, step 2 (non-zero offset, stride 2); 0-d operands sit at offset 1 of a [2] buffer;
 * - 'reversed': stored with every axis reversed, then sliced with step -1 on every axis
 *   (negative strides, offset at the last element).
 * The result is detached: no observer (autograd) saw it being made, so it is a fresh leaf.
 * @example const t = materialize({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6], kind: 'float', layout: 'sliced' },
 *   { dtype: 'float32', device: 'cpu' });
 */
export function materialize(op: Operand, { dtype, device }: MaterializeOptions): Tensor {
  const dt = operandDType(op, dtype);
  const nd = op.shape.length;
  let base: Tensor;
  let view: Tensor;
  if (op.layout === 'transposed' && nd >= 2) {
    const rev = op.shape.map((_, i) => nd - 1 - i);
    const stored = permuteRef(op, rev);
    base = tensor(Float64Array.from(stored.data), { dtype: dt, device, shape: stored.shape });
    view = base.transpose();
  } else if (op.layout === 'sliced') {
    const outer = op.shape.slice(0, -1);
    const last = nd === 0 ? 1 : (op.shape[nd - 1] as number);
    const big = new Float64Array(sizeOfShape(outer) * (2 * last + 1)).fill(SENTINEL[dt]);
    for (let i = 0; i < op.data.length; i++) {
      const row = Math.floor(i / last);
      big[row * (2 * last + 1) + 1 + 2 * (i % last)] = op.data[i] as number;
    }
    base = tensor(big, { dtype: dt, device, shape: [...outer, 2 * last + 1] });
    const ranges = [...outer.map(() => null), [1, 2 * last + 1, 2] as const];
    const sliced = base.slice(...ranges);
    view = nd === 0 ? sliced.reshape([]) : sliced;
    if (sliced !== view) sliced.dispose();
  } else if (op.layout === 'reversed' && sizeOfShape(op.shape) > 0) {
    // Reversing every axis of a row-major array reverses its flat order.
    base = tensor(Float64Array.from(op.data).reverse(), { dtype: dt, device, shape: op.shape });
    view = base.slice(...op.shape.map(() => [undefined, undefined, -1] as const));
  } else {
    base = tensor(Float64Array.from(op.data), { dtype: dt, device, shape: op.shape });
    view = base;
  }
  const out = detach(view);
  if (view !== base) view.dispose();
  base.dispose();
  return out;
}

/** All of a case's operands as tensors. */
export function materializeAll(c: OpCase, opts: MaterializeOptions): Tensor[] {
  return c.inputs.map((op) => materialize(op, opts));
}

/** A tensor read back as a float64 Ref (bools as 0/1). */
export async function toRef(t: Tensor): Promise<Ref> {
  return { shape: [...t.shape], data: Array.from(await t.data(), Number) };
}

/** The operands as the reference should see them: 'float' values rounded as `dtype` stores them. */
export function refInputs(c: OpCase, dtype: DType): Ref[] {
  return c.inputs.map((op) => ({
    shape: op.shape,
    data: op.kind === 'float' && dtype === 'float32' ? op.data.map(Math.fround) : op.data,
  }));
}

/** True when any operand takes the suite's float dtype (otherwise one dtype run is enough). */
export function hasFloatOperand(c: OpCase): boolean {
  return c.inputs.some((op) => op.kind === 'float');
}
