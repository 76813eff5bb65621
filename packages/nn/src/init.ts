/**
 * Seeded initialisers with PyTorch's formulas (torch.nn.init). Each returns a fresh tensor;
 * wrap it in `parameter()` to train it. Fans follow PyTorch: for a weight of shape
 * [out, in, ...receptive], fanIn = in * prod(receptive) and fanOut = out * prod(receptive).
 */
import { type Device, type DType, rand, randn, type Tensor, TensorError } from '@webgrad/tensor';

/** Options of the initialisers: dtype, device and seed. */
export interface InitOptions {
  dtype?: DType;
  device?: Device;
  /** Same seed, same values; omitted: the next seed of `manualSeed`'s sequence. */
  seed?: number;
}

/** The nonlinearity a Kaiming gain is computed for (PyTorch's `calculate_gain`). */
export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';
/** Whether Kaiming init preserves the variance of the forward pass ('fanIn') or of the backward pass ('fanOut'). */
export type FanMode = 'fanIn' | 'fanOut';

/**
 * The recommended gain for a nonlinearity (torch.nn.init.calculate_gain).
 * @example calculateGain('leakyRelu', Math.sqrt(5)) // sqrt(1/3)
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
  }
}

/** [fanIn, fanOut] of a weight shape (at least 2-d). */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2)
    throw new TensorError('shape', `init: fans need a weight of at least 2 dims, got [${shape.join(', ')}]`);
  const receptive = shape.slice(2).reduce((a, b) => a * b, 1);
  return [(shape[1] as number) * receptive, (shape[0] as number) * receptive];
}

/** N(mean, std^2). @example normal([768, 768], { std: 0.02, seed: 1 }) */
export function normal(shape: readonly number[], opts: InitOptions & { mean?: number; std?: number } = {}): Tensor {
  return randn(shape, opts);
}

/** U(low, high). @example uniform([3], { low: -1, high: 1, seed: 1 }) */
export function uniform(shape: readonly number[], opts: InitOptions & { low?: number; high?: number } = {}): Tensor {
  return rand(shape, opts);
}

/** Glorot & Bengio (2010): U(-b, b) with b = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform(shape: readonly number[], opts: InitOptions & { gain?: number } = {}): Tensor {
  const [fanIn, fanOut] = fans(shape);
  const bound = (opts.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
  return rand(shape, { ...opts, low: -bound, high: bound });
}

/** Glorot & Bengio (2010): N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal(shape: readonly number[], opts: InitOptions & { gain?: number } = {}): Tensor {
  const [fanIn, fanOut] = fans(shape);
  return randn(shape, { ...opts, std: (opts.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)) });
}

/** Options of `kaimingUniform` and `kaimingNormal` (PyTorch's `a`, `mode`, `nonlinearity`). */
export interface KaimingOptions extends InitOptions {
  /** Negative slope of the leaky ReLU that follows (used when nonlinearity is 'leakyRelu'). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
}

function kaimingStd(shape: readonly number[], o: KaimingOptions): number {
  const [fanIn, fanOut] = fans(shape);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? 'leakyRelu', o.a ?? 0) / Math.sqrt(fan);
}

/**
 * He et al. (2015): U(-b, b) with b = sqrt(3) * gain / sqrt(fan). PyTorch's Linear default is
 * a = sqrt(5), which gives b = 1 / sqrt(fanIn).
 * @example kaimingUniform([out, inF], { a: Math.sqrt(5), seed: 0 })
 */
export function kaimingUniform(shape: readonly number[], opts: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(shape, opts);
  return rand(shape, { ...opts, low: -bound, high: bound });
}

/** He et al. (2015): N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal(shape: readonly number[], opts: KaimingOptions = {}): Tensor {
  return randn(shape, { ...opts, std: kaimingStd(shape, opts) });
}

/**
 * A seed derived from `seed` for the k-th tensor of a layer, so one layer seed gives distinct,
 * reproducible draws (undefined stays undefined: the global sequence then decides).
 */
export function subSeed(seed: number | undefined, k: number): number | undefined {
  if (seed === undefined) return undefined;
  let h = (seed ^ Math.imul(k + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) >>> 0;
}
