/**
 * Data types and their typed-array storage.
 *
 * `bool` is stored one byte per element (0 or 1) on the CPU; the WebGPU backend stores it as u32.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every dtype. */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'bool'];

/** The typed arrays that hold each dtype's elements (bool as Uint8Array). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Typed array constructor for each dtype. */
export const ARRAY_TYPES = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

export type ArrayFor<D extends DType> = InstanceType<(typeof ARRAY_TYPES)[D]>;

export function bytesPerElement(dtype: DType): number {
  return ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;
}

export function allocArray(dtype: DType, size: number): TypedArray {
  return new ARRAY_TYPES[dtype](size);
}

/** Whether `dtype` is float32 or float64. */
export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** bool < int32 < float32 < float64: the type two operands are promoted to (as in PyTorch). */
const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** The dtype of a binary op's result (bool < int32 < float32 < float64, as NumPy for these four). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The dtype a JS number takes when combined with a tensor of dtype `other`. Numbers are "weak"
 * (as in JAX): they adopt the tensor's dtype unless that would lose them (2.5 with an int32 tensor
 * gives float32; a number with a bool tensor gives int32 or float32).
 */
export function scalarDType(value: number, other: DType): DType {
  const integral = Number.isInteger(value);
  if (other === 'bool') return integral ? 'int32' : 'float32';
  if (other === 'int32') return integral ? 'int32' : 'float32';
  return other;
}

/** Converts a JS number to how `dtype` stores it (int32 truncates, bool is 0/1). */
export function coerceScalar(value: number, dtype: DType): number {
  if (dtype === 'bool') return value ? 1 : 0;
  if (dtype === 'int32') return value | 0;
  if (dtype === 'float32') return Math.fround(value);
  return value;
}
