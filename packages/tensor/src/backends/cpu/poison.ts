/**
 * A test mode for the un-zeroed outputs of kernel-outputs.ts: with `WEBGRAD_POISON_OUTPUTS=1`
 * (or `setPoisonOutputs(true)`), every CPU allocation made without the zero fill is filled with
 * a poison value instead, so an element that a kernel forgot to write reads as NaN (floats), as
 * 0xDEADBEEF (int32) or as 0xA5 (bool, a byte that is neither 0 nor 1), never as a plausible 0.
 * The tensor and autograd test projects turn it on (vitest.config.ts).
 */
import type { DType, TypedArray } from '../../dtype.js';
import { fail } from '../../errors.js';
import { setting } from './wasm/host.js';

const POISON: Record<DType, number> = { float32: Number.NaN, float64: Number.NaN, int32: 0xdeadbeef | 0, bool: 0xa5 };

let poisoning: boolean | undefined;

function fromSetting(): boolean {
  const asked = setting('WEBGRAD_POISON_OUTPUTS');
  if (asked === undefined || asked === '' || asked === '0') return false;
  if (asked === '1') return true;
  return fail('value', 'WEBGRAD_POISON_OUTPUTS', `expected '1' or '0', got '${asked}'`);
}

/** Whether un-zeroed CPU allocations are poisoned (default: `WEBGRAD_POISON_OUTPUTS`). */
export function poisonOutputs(): boolean {
  poisoning ??= fromSetting();
  return poisoning;
}

/**
 * Turns poisoning of un-zeroed CPU allocations on or off (for tests).
 * @example setPoisonOutputs(true); // outputs a kernel must overwrite start as NaN
 */
export function setPoisonOutputs(on: boolean): void {
  poisoning = on;
}

/** Fills `array` with the poison value of `dtype`. */
export function poison(dtype: DType, array: TypedArray): void {
  array.fill(POISON[dtype]);
}
