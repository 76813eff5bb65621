/**
 * The element types of safetensors files and how each maps onto webgrad's dtypes.
 *
 * webgrad computes in float32, float64, int32 and bool. Files from the Python ecosystem hold more:
 * most Hugging Face checkpoints are half precision (F16, BF16) and token ids are often I64. On
 * load, F16 and BF16 widen to float32 (every half value is exactly a float32 value, so nothing
 * is lost) and the small integer types widen to int32; I64 narrows to int32 only when every value
 * fits, else the load fails naming the tensor and the value. On save, float32 tensors may be
 * stored as F16 or BF16 on request, rounding to nearest, ties to even (IEEE 754, as torch does).
 */
import type { DType, TypedArray } from '@webgrad/tensor';

/** The dtype names of the safetensors format that webgrad reads. */
export type FileDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Half-precision formats a float32 tensor can be stored as. */
export type HalfDType = 'F16' | 'BF16';

interface FileKind {
  /** Bytes per element in the file. */
  bytes: number;
  /** The webgrad dtype the values load as. */
  dtype: DType;
  /**
   * Decodes little-endian element bytes (a fresh, aligned copy) into the dtype's array; returns
   * a message instead when a value cannot be represented.
   */
  decode(raw: ArrayBuffer): TypedArray | string;
}

const same = (A: new (b: ArrayBuffer) => TypedArray) => (raw: ArrayBuffer) => new A(raw);
const widen = (A: new (b: ArrayBuffer) => ArrayLike<number>) => (raw: ArrayBuffer) => Int32Array.from(new A(raw));

/** Every file dtype webgrad reads, by its name in the header. */
export const FILE_DTYPES: Readonly<Record<FileDType, FileKind>> = {
  F64: { bytes: 8, dtype: 'float64', decode: same(Float64Array) },
  F32: { bytes: 4, dtype: 'float32', decode: same(Float32Array) },
  F16: { bytes: 2, dtype: 'float32', decode: (raw) => decodeF16(new Uint16Array(raw)) },
  BF16: { bytes: 2, dtype: 'float32', decode: (raw) => decodeBF16(new Uint16Array(raw)) },
  I64: { bytes: 8, dtype: 'int32', decode: (raw) => narrowI64(new BigInt64Array(raw)) },
  I32: { bytes: 4, dtype: 'int32', decode: same(Int32Array) },
  I16: { bytes: 2, dtype: 'int32', decode: widen(Int16Array) },
  I8: { bytes: 1, dtype: 'int32', decode: widen(Int8Array) },
  U8: { bytes: 1, dtype: 'int32', decode: widen(Uint8Array) },
  BOOL: {
    bytes: 1,
    dtype: 'bool',
    decode: (raw) => {
      const b = new Uint8Array(raw);
      return b.some((v) => v > 1) ? 'BOOL bytes must be 0 or 1' : b;
    },
  },
};

/** The file dtype a webgrad dtype is written as by default (lossless). */
export const DEFAULT_FILE_DTYPE: Readonly<Record<DType, FileDType>> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

export function isFileDType(name: unknown): name is FileDType {
  return typeof name === 'string' && Object.hasOwn(FILE_DTYPES, name);
}

function narrowI64(v: BigInt64Array): Int32Array | string {
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as bigint;
    if (x < -2147483648n || x > 2147483647n)
      return `I64 value ${x} at element ${i} does not fit in int32 (webgrad's integer dtype)`;
    out[i] = Number(x);
  }
  return out;
}

// Reinterpreting float32 bits: one shared scratch word.
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** bfloat16 is the top half of a float32: widening is a 16-bit shift. */
function decodeBF16(h: Uint16Array): Float32Array {
  const bits = new Uint32Array(h.length);
  for (let i = 0; i < h.length; i++) bits[i] = (h[i] as number) << 16;
  return new Float32Array(bits.buffer);
}

/** IEEE binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. */
function decodeF16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const v = h[i] as number;
    const sign = v & 0x8000 ? -1 : 1;
    const exp = (v >> 10) & 0x1f;
    const mant = v & 0x3ff;
    if (exp === 0)
      out[i] = sign * mant * 2 ** -24; // zero and subnormals
    else if (exp === 31) out[i] = mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** `m / 2^s` rounded to the nearest integer, ties to even (m, s non-negative integers). */
function shiftRoundEven(m: number, s: number): number {
  if (s === 0) return m;
  const unit = 2 ** s;
  const q = Math.floor(m / unit);
  const rem = m - q * unit;
  const half = unit / 2;
  return rem > half || (rem === half && q % 2 === 1) ? q + 1 : q;
}

/** The binary16 bits nearest to float32 `x` (ties to even; overflow to infinity; NaN stays NaN). */
export function f32ToF16Bits(x: number): number {
  scratchF32[0] = x;
  const u = scratchU32[0] as number;
  const sign = (u >>> 16) & 0x8000;
  const exp = (u >>> 23) & 0xff;
  const mant = u & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15; // the binary16 exponent field, before rounding
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // A binary16 subnormal (or zero): count units of 2^-24. A carry into 0x400 is the smallest
    // normal number, whose bits are exactly that count.
    if (exp === 0) return sign; // float32 zero or subnormal: far below 2^-25, rounds to zero
    return sign | shiftRoundEven(mant | 0x800000, 14 - e);
  }
  const m = shiftRoundEven(mant, 13);
  // A mantissa carry (m = 0x400) moves to the next exponent; at the top it becomes infinity.
  return m === 0x400 ? (e + 1 >= 31 ? sign | 0x7c00 : sign | ((e + 1) << 10)) : sign | (e << 10) | m;
}

/** The bfloat16 bits nearest to float32 `x` (ties to even; NaN stays NaN). */
export function f32ToBF16Bits(x: number): number {
  scratchF32[0] = x;
  const u = scratchU32[0] as number;
  if ((u & 0x7f800000) === 0x7f800000 && u & 0x7fffff) return ((u >>> 16) & 0x8000) | 0x7fc0;
  // Dropping the low 16 bits with rounding; a carry out of the top is the next binade (or inf).
  return shiftRoundEven(u, 16);
}

/** The little-endian bytes of float32 `data` stored as `to`. */
export function encodeHalf(data: Float32Array, to: HalfDType): Uint8Array {
  const bits = new Uint16Array(data.length);
  const convert = to === 'F16' ? f32ToF16Bits : f32ToBF16Bits;
  for (let i = 0; i < data.length; i++) bits[i] = convert(data[i] as number);
  return new Uint8Array(bits.buffer);
}
