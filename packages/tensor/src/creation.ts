/** Making tensors: from data, constant fills, ranges, and seeded random draws. */
import type { Device } from './backend.js';
import { getDefaultDevice } from './device.js';
import { fromValues } from './dispatch.js';
import { allocArray, coerceScalar, DTYPES, type DType, isDType, type TypedArray } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { reshape } from './ops/movement.js';
import { hashBits, nextSeed, normalAt, uniformAt } from './random.js';
import { checkShape, sizeOf } from './shape.js';
import type { NestedArray, Tensor } from './tensor.js';

/** A shape, or a number n for the 1-d shape [n] (as NumPy and PyTorch accept `zeros(3)`). */
export type ShapeArg = number | readonly number[];

/** Validates a shape argument: a number means [n]; anything else must be a list of sizes. */
function shapeOf(op: string, shape: ShapeArg): number[] {
  if (typeof shape === 'number') return checkShape(op, [shape]);
  if (!Array.isArray(shape)) fail('shape', op, `shape must be a number or an array of sizes, got ${describe(shape)}`);
  return checkShape(op, shape);
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return `${typeof v} ${String(v)}`;
}

/** The dtype and device of a new tensor (defaults: float32 for numbers, the default device). */
export interface CreateOptions {
  dtype?: DType;
  device?: Device;
}

/** Options of the random creators: a seed on top of dtype and device. */
export interface RandomOptions extends CreateOptions {
  /** Same seed, same numbers, on every backend. Omitted: the next seed of `manualSeed`'s sequence. */
  seed?: number;
}

function opts(op: string, o: CreateOptions | undefined, fallback: DType): { dtype: DType; device: Device } {
  const dtype = o?.dtype ?? fallback;
  if (!isDType(dtype)) fail('dtype', op, `unsupported dtype '${String(dtype)}'; supported: ${DTYPES.join(', ')}`);
  return { dtype, device: o?.device ?? getDefaultDevice() };
}

function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'bool';
  return 'float32';
}

/** Shape of a nested array, checking that it is rectangular. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] as NestedArray;
    if (level === undefined) break;
  }
  return shape;
}

function flattenNested(data: NestedArray, shape: readonly number[], out: number[], depth = 0): boolean {
  if (depth === shape.length) {
    if (Array.isArray(data)) return false;
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      // A string would become NaN without a word: refuse anything that is not a number.
      const v: unknown = data;
      const what = typeof v === 'string' ? `the string '${v}'` : describe(v);
      fail('value', 'tensor', `element ${out.length} (row-major) is ${what}; data must be numbers or booleans`);
    }
    out.push(typeof data === 'boolean' ? Number(data) : data);
    return true;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) return false;
  return data.every((d) => flattenNested(d, shape, out, depth + 1));
}

function firstLeaf(data: NestedArray): number | boolean | undefined {
  let v: NestedArray | undefined = data;
  while (Array.isArray(v)) v = v[0];
  return v;
}

/**
 * A tensor from nested arrays, a number, a boolean or a typed array (1-d unless `shape` is given).
 * Numbers default to float32, booleans to bool, typed arrays to their own dtype.
 * @example tensor([[1, 2], [3, 4]]).shape // [2, 2]
 */
export function tensor(
  data: NestedArray | TypedArray,
  options?: CreateOptions & { shape?: readonly number[] },
): Tensor {
  if (ArrayBuffer.isView(data)) {
    const { dtype, device } = opts('tensor', options, dtypeOfArray(data));
    const shape = checkShape('tensor', options?.shape ?? [data.length]);
    if (sizeOf(shape) !== data.length)
      fail('shape', 'tensor', `${data.length} values do not fill shape ${fmtShape(shape)}`);
    return fromValues(device, dtype, shape, data);
  }
  const shape = nestedShape(data);
  const flat: number[] = [];
  if (!flattenNested(data, shape, flat))
    fail('shape', 'tensor', `nested array is ragged or mixed (first row shape ${fmtShape(shape)})`);
  const { dtype, device } = opts('tensor', options, typeof firstLeaf(data) === 'boolean' ? 'bool' : 'float32');
  const target = options?.shape ?? shape;
  if (sizeOf(target) !== flat.length)
    fail('shape', 'tensor', `${flat.length} values do not fill shape ${fmtShape(target)}`);
  return fromValues(device, dtype, checkShape('tensor', target), flat);
}

/** `value` everywhere; float32 unless `dtype` says otherwise. */
export function full(shape: ShapeArg, value: number, options?: CreateOptions): Tensor {
  const { dtype, device } = opts('full', options, 'float32');
  const s = shapeOf('full', shape);
  const data = allocArray(dtype, sizeOf(s));
  if (value !== 0) data.fill(coerceScalar(value, dtype));
  return fromValues(device, dtype, s, data);
}

/** Zeros; `shape` may be a number for a 1-d tensor. @example zeros(3).shape // [3] */
export function zeros(shape: ShapeArg, options?: CreateOptions): Tensor {
  const { dtype, device } = opts('zeros', options, 'float32');
  return fromValues(device, dtype, shapeOf('zeros', shape));
}

/** A tensor of ones. */
export function ones(shape: ShapeArg, options?: CreateOptions): Tensor {
  return full(shape, 1, options);
}

/** Zeros with `t`'s shape, dtype and device (unless `options` say otherwise). */
export function zerosLike(t: Tensor, options?: CreateOptions): Tensor {
  return zeros(t.shape, { dtype: t.dtype, device: t.device, ...options });
}
/** Ones with `t`'s shape, dtype and device (unless `options` say otherwise). */
export function onesLike(t: Tensor, options?: CreateOptions): Tensor {
  return full(t.shape, 1, { dtype: t.dtype, device: t.device, ...options });
}
/** `value` everywhere, with `t`'s shape, dtype and device (unless `options` say otherwise). */
export function fullLike(t: Tensor, value: number, options?: CreateOptions): Tensor {
  return full(t.shape, value, { dtype: t.dtype, device: t.device, ...options });
}

/**
 * start, start + step, ... up to (not including) stop. One argument means [0, stop). The dtype
 * is int32 when all arguments are integers, else float32.
 */
export function arange(start: number, stop?: number, step = 1, options?: CreateOptions): Tensor {
  const [a, b] = stop === undefined ? [0, start] : [start, stop];
  if (step === 0 || !Number.isFinite(step))
    fail('value', 'arange', `step must be a finite non-zero number, got ${step}`);
  const integral = [a, b, step].every(Number.isInteger);
  const { dtype, device } = opts('arange', options, integral ? 'int32' : 'float32');
  const n = Math.max(0, Math.ceil((b - a) / step));
  const data = allocArray(dtype, n);
  for (let i = 0; i < n; i++) data[i] = a + i * step;
  return fromValues(device, dtype, [n], data);
}

/** `num` evenly spaced values from start to stop, both included. */
export function linspace(start: number, stop: number, num: number, options?: CreateOptions): Tensor {
  if (!Number.isInteger(num) || num < 0) fail('value', 'linspace', `num must be a non-negative integer, got ${num}`);
  const { dtype, device } = opts('linspace', options, 'float32');
  const data = allocArray(dtype, num);
  const step = num > 1 ? (stop - start) / (num - 1) : 0;
  for (let i = 0; i < num; i++) data[i] = i === num - 1 && num > 1 ? stop : start + i * step;
  return fromValues(device, dtype, [num], data);
}

/** n x m identity (m defaults to n). */
export function eye(n: number, m = n, options?: CreateOptions): Tensor {
  const { dtype, device } = opts('eye', options, 'float32');
  const s = checkShape('eye', [n, m]);
  const data = allocArray(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fromValues(device, dtype, s, data);
}

function draw(
  op: string,
  shape: ShapeArg,
  options: RandomOptions | undefined,
  sample: (seed: number, i: number) => number,
): Tensor {
  const { dtype, device } = opts(op, options, 'float32');
  if (dtype !== 'float32' && dtype !== 'float64') fail('dtype', op, `draws float32 or float64, not ${dtype}`);
  const s = shapeOf(op, shape);
  const seed = options?.seed ?? nextSeed();
  const data = allocArray(dtype, sizeOf(s));
  for (let i = 0; i < data.length; i++) data[i] = sample(seed, i);
  return fromValues(device, dtype, s, data);
}

/** Uniform on [low, high) (default [0, 1)). */
export function rand(shape: ShapeArg, options?: RandomOptions & { low?: number; high?: number }): Tensor {
  const low = options?.low ?? 0;
  const span = (options?.high ?? 1) - low;
  return draw('rand', shape, options, (seed, i) => low + span * uniformAt(seed, i));
}

/** Normal with `mean` and `std` (default standard normal). */
export function randn(shape: ShapeArg, options?: RandomOptions & { mean?: number; std?: number }): Tensor {
  const mean = options?.mean ?? 0;
  const std = options?.std ?? 1;
  return draw('randn', shape, options, (seed, i) => mean + std * normalAt(seed, i));
}

/** Uniform integers in [low, high), int32. */
export function randint(low: number, high: number, shape: ShapeArg, options?: RandomOptions): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low)
    fail('value', 'randint', `needs integers low < high, got ${low}, ${high}`);
  const { device } = opts('randint', options, 'int32');
  const s = shapeOf('randint', shape);
  const seed = options?.seed ?? nextSeed();
  const span = high - low;
  const data = new Int32Array(sizeOf(s));
  // 32 random bits scaled to the span: bias below 2^-32 * span, irrelevant at our sizes.
  for (let i = 0; i < data.length; i++) data[i] = low + Math.floor((hashBits(seed, i) / 4294967296) * span);
  return fromValues(device, 'int32', s, data);
}

/** 0, 1, ..., n-1 laid along `axis` of a tensor shaped like `like` (other dims 1), int32. */
export function arangeAlong(like: Tensor, axis: number): Tensor {
  const n = like.shape[axis] as number;
  const shape = like.shape.map((_, i) => (i === axis ? n : 1));
  return reshape(arange(n, undefined, 1, { dtype: 'int32', device: like.device }), shape);
}
