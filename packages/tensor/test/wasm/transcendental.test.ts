/**
 * Accuracy of the wasm float32 tanh and log kernels (tanh-kernel.ts, log-kernel.ts) against
 * Math.tanh / Math.log rounded to float32, in ulp of the correctly rounded result, over random
 * bit patterns across the whole float32 range, dense sweeps where the kernels switch branch, and
 * the edge values (signed zeros, denormals, infinities, NaN, 1). Bound: within 1 ulp for both;
 * special values exactly as Math.tanh / Math.log (NaN where they give NaN).
 */
import * as T from '@webgrad/tensor';
import { getCpuKernels, setCpuKernels } from '@webgrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { wasmKernelsAvailable } from '../../src/backends/cpu/wasm/settings.js';

const initial = getCpuKernels();
afterAll(() => setCpuKernels(initial));

/**
 * Both kernels are deterministic (IEEE lane arithmetic, same bits in every engine), and 1 ulp is
 * the worst either showed over 2.5 million random bit patterns and sweeps (a wider run of this file).
 */
const TANH_ULP = 1;
const LOG_ULP = 1;

/** Deterministic float32 values from raw bit patterns (xorshift32), keeping those `keep` accepts. */
function randomFloats(count: number, seed: number, keep: (x: number) => boolean): number[] {
  const bits = new Uint32Array(1);
  const f = new Float32Array(bits.buffer);
  const out: number[] = [];
  let s = seed >>> 0 || 1;
  while (out.length < count) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    bits[0] = s;
    if (keep(f[0] as number)) out.push(f[0] as number);
  }
  return out;
}

/** Evenly spaced float32 values in [lo, hi]. */
const sweep = (lo: number, hi: number, n: number) =>
  Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));

/** The spacing of float32 values at |y| (the smallest denormal at and below 2^-126). */
function ulp(y: number): number {
  const a = Math.abs(y);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

/** fn over `xs` as a float32 tensor on the wasm kernels (1024+ contiguous elements: the wasm path). */
function wasmRun(xs: number[], fn: (x: T.Tensor) => T.Tensor): Float32Array {
  expect(xs.length).toBeGreaterThanOrEqual(1024);
  setCpuKernels('wasm');
  const x = T.tensor(Float32Array.from(xs), { dtype: 'float32' });
  const y = fn(x);
  const got = Float32Array.from(y.dataSync() as Float32Array);
  x.dispose();
  y.dispose();
  return got;
}

/** The largest error in ulp over finite results; special results must match exactly. */
function worstUlp(xs: number[], got: Float32Array, ref: (x: number) => number, name: string): number {
  let worst = 0;
  xs.forEach((x, i) => {
    const want = Math.fround(ref(Math.fround(x)));
    const g = got[i] as number;
    if (!Number.isFinite(want) || want === 0) {
      if (!Object.is(g, want)) expect.fail(`${name}(${x}) = ${g}, want ${want}`);
      return;
    }
    worst = Math.max(worst, Math.abs(g - want) / ulp(want));
  });
  return worst;
}

const EDGES = [0, -0, 2 ** -149, -(2 ** -149), 1e-40, -1e-40, 2 ** -126, 1, -1, Infinity, -Infinity, Number.NaN];

describe.runIf(wasmKernelsAvailable())('wasm float32 tanh', () => {
  it(`is within ${TANH_ULP} ulp of Math.tanh, with edges exact`, () => {
    const xs = [
      ...randomFloats(30_000, 7, (x) => Number.isFinite(x)),
      ...sweep(-12, 12, 30_000),
      ...sweep(0.6, 0.65, 4000), // the branch switch at 0.625
      ...sweep(-0.65, -0.6, 4000),
      ...sweep(9, 10, 2000), // saturation
      ...EDGES,
      0.625,
      -0.625,
      9.5,
      -9.5,
    ];
    const got = wasmRun(xs, (x) => x.tanh());
    const worst = worstUlp(xs, got, Math.tanh, 'tanh');
    expect(worst).toBeLessThanOrEqual(TANH_ULP);
    const at = (v: number) => got[xs.findIndex((u) => Object.is(u, v))] as number;
    expect(Object.is(at(-0), -0) && Object.is(at(0), 0)).toBe(true);
    expect([at(Infinity), at(-Infinity), at(2 ** -149), at(-1e-40)]).toEqual([1, -1, 2 ** -149, Math.fround(-1e-40)]);
    expect(at(Number.NaN)).toBeNaN();
  });
});

describe.runIf(wasmKernelsAvailable())('wasm float32 log', () => {
  it(`is within ${LOG_ULP} ulp of Math.log, with edges exact`, () => {
    const xs = [
      ...randomFloats(40_000, 11, (x) => x > 0 && Number.isFinite(x)), // every binade, denormals too
      ...randomFloats(2000, 13, (x) => x < 0), // negatives: NaN
      ...sweep(0.5, 2, 30_000),
      ...sweep(1 - 2 ** -10, 1 + 2 ** -10, 4000), // near 1: log x ~ x - 1
      ...sweep(0.7, 0.715, 2000), // the mantissa split at sqrt(1/2)
      ...EDGES,
      Math.SQRT1_2,
      3.4028234663852886e38,
    ];
    const got = wasmRun(xs, (x) => x.log());
    const worst = worstUlp(xs, got, Math.log, 'log');
    expect(worst).toBeLessThanOrEqual(LOG_ULP);
    const at = (v: number) => got[xs.findIndex((u) => Object.is(u, v))] as number;
    expect([at(0), at(-0), at(Infinity), at(1)]).toEqual([-Infinity, -Infinity, Infinity, 0]);
    for (const v of [-Infinity, -1, -(2 ** -149), Number.NaN]) expect(at(v)).toBeNaN();
  });
});
