/**
 * The wasm elementwise kernels against the TS kernels on tensors big enough to take the wasm
 * path (>= 1024 elements): same-shape, row-broadcast, scalar and column-broadcast operands, in
 * contiguous, transposed and sliced layouts, float32 and float64; comparisons and where too.
 * IEEE add/sub/mul/div/sqrt are
 * correctly rounded in both (float32 through float64 is innocuous for these ops), so results
 * must be equal; max may differ only in the sign of a zero (which compares equal).
 */
import * as T from '@webgrad/tensor';
import { type DType, getCpuKernels, rand, setCpuKernels, type Tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { wasmKernelsAvailable } from '../../src/backends/cpu/wasm/settings.js';

const initial = getCpuKernels();
afterAll(() => setCpuKernels(initial));

type Layout = 'contiguous' | 'transposed' | 'sliced';

/** Values in [-2, 2) (a fifth exactly 0, so max sees ties and signed zeros), stored in `layout`. */
function operand(shape: number[], seed: number, dtype: DType, layout: Layout): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const base = rand([n], { seed, dtype }).dataSync();
  const values = Float64Array.from(base, (v, i) => (i % 5 === 0 ? (i % 10 === 0 ? -0 : 0) : v * 4 - 2));
  const { tensor } = T;
  if (layout === 'transposed' && shape.length === 2) {
    const [r, c] = shape as [number, number];
    const stored = new Float64Array(n);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) stored[j * r + i] = values[i * c + j] as number;
    return tensor(stored, { shape: [c, r], dtype }).transpose();
  }
  if (layout === 'sliced') {
    const padded = new Float64Array(n + 3);
    padded.set(values, 3);
    return tensor(padded, { dtype })
      .slice([3, n + 3])
      .reshape(shape);
  }
  return tensor(values, { shape, dtype });
}

const OPS = ['add', 'sub', 'mul', 'div', 'maximum', 'lt', 'eq'] as const;

function run(set: 'ts' | 'wasm', f: () => Tensor): number[] {
  setCpuKernels(set);
  const out = f();
  const data = Array.from(out.dataSync(), Number);
  out.dispose();
  return data;
}

describe.runIf(wasmKernelsAvailable())('wasm elementwise kernels', () => {
  it('equal the TS kernels on broadcast and strided operands', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 90 }),
        fc.integer({ min: 64, max: 130 }),
        fc.constantFrom(...OPS),
        fc.constantFrom<'same' | 'row' | 'scalar' | 'column' | 'scalar-left'>(
          'same',
          'row',
          'scalar',
          'column',
          'scalar-left',
        ),
        fc.constantFrom<Layout>('contiguous', 'transposed', 'sliced'),
        fc.constantFrom<DType>('float32', 'float64'),
        fc.integer({ min: 0, max: 1000 }),
        (r, c, op, pattern, layout, dtype, seed) => {
          const yShape = { same: [r, c], row: [c], scalar: [], column: [r, 1], 'scalar-left': [] }[pattern];
          const make = (set: 'ts' | 'wasm') => {
            setCpuKernels(set);
            return [operand([r, c], seed, dtype, layout), operand(yShape, seed + 1, dtype, 'contiguous')] as const;
          };
          const results = (['ts', 'wasm'] as const).map((set) => {
            const [x, y] = make(set);
            const data = run(set, () => (pattern === 'scalar-left' ? y[op](x) : x[op](y)));
            x.dispose();
            y.dispose();
            return data;
          });
          // max(+0, -0) is +0 in wasm and the second operand in TS: signed zeros compare equal.
          const unsign = (d: number[]) => (op === 'maximum' ? d.map((v) => (v === 0 ? 0 : v)) : d);
          expect(unsign(results[1] as number[])).toEqual(unsign(results[0] as number[]));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('equal the TS kernels on where with a strided condition', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const layout of ['contiguous', 'sliced', 'transposed'] as const) {
        const results = (['ts', 'wasm'] as const).map((set) => {
          setCpuKernels(set);
          const x = operand([40, 64], 3, dtype, layout);
          const y = operand([64], 4, dtype, 'contiguous');
          const data = run(set, () => T.tidy(() => T.where(x.lt(0.5), x, y)));
          x.dispose();
          y.dispose();
          return data;
        });
        expect(results[1]).toEqual(results[0]);
      }
    }
  });

  it('copy strided views exactly (contiguous)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const layout of ['sliced', 'transposed'] as const) {
        const results = (['ts', 'wasm'] as const).map((set) => {
          setCpuKernels(set);
          const x = operand([48, 70], 5, dtype, layout);
          const data = run(set, () => x.contiguous());
          x.dispose();
          return data;
        });
        expect(results[1]).toEqual(results[0]);
      }
    }
  });

  it('equal the TS kernels on neg and sqrt', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      for (const layout of ['contiguous', 'sliced', 'transposed'] as const) {
        const results = (['ts', 'wasm'] as const).map((set) => {
          setCpuKernels(set);
          const x = operand([33, 70], 9, dtype, layout);
          const data = [run(set, () => x.neg()), run(set, () => x.abs().sqrt())];
          x.dispose();
          return data;
        });
        expect(results[1]).toEqual(results[0]);
      }
    }
  });
});

describe.runIf(wasmKernelsAvailable())('wasm float32 exp', () => {
  it('is within 2 ulp of Math.exp, with NaN, overflow and underflow handled', () => {
    const n = 40_000;
    const xs = new Float32Array(n);
    for (let i = 0; i < n; i++) xs[i] = -104 + (i / n) * 194; // across the whole float32 range
    xs.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 88.72, 88.73, -87.3, 1e-8], 100);
    setCpuKernels('wasm');
    const x = T.tensor(xs, { dtype: 'float32' });
    const y = x.exp();
    const got = y.dataSync() as Float32Array;
    x.dispose();
    y.dispose();
    for (let i = 0; i < n; i++) {
      const want = Math.fround(Math.exp(xs[i] as number));
      const g = got[i] as number;
      if (Number.isNaN(want)) {
        expect(g).toBeNaN();
        continue;
      }
      if (want < 2 ** -126) {
        // Below the normal range the kernel flushes to 0 (the true value is under 1.2e-38).
        expect(g === 0 || Math.abs(g - want) <= 2 ** -149).toBe(true);
        continue;
      }
      if (!Number.isFinite(want)) {
        expect(g).toBe(want);
        continue;
      }
      const ulp = 2 ** (Math.floor(Math.log2(want)) - 23);
      if (!(Math.abs(g - want) <= 2 * ulp)) expect.fail(`exp(${xs[i]}) = ${g}, want ${want}`);
    }
  });
});

describe.runIf(wasmKernelsAvailable())('wasm float32 erf', () => {
  // The fit's 1.5e-7, plus about six float32 roundings (2^-24 each) of values up to 1 in evaluating it.
  const BOUND = 1.5e-7 + 6 * 2 ** -24;
  it('is within the fit error plus float32 rounding of the float64 erf', () => {
    const n = 20_000;
    const xs = new Float32Array(n);
    for (let i = 0; i < n; i++) xs[i] = -6 + (i / n) * 12;
    xs.set([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-8, -1e-30], 50);
    const want = (() => {
      setCpuKernels('ts');
      const x = T.tensor(Float64Array.from(xs), { dtype: 'float64' });
      const y = x.erf();
      const d = Array.from(y.dataSync(), Number);
      x.dispose();
      y.dispose();
      return d;
    })();
    setCpuKernels('wasm');
    const x = T.tensor(xs, { dtype: 'float32' });
    const y = x.erf();
    const got = Array.from(y.dataSync(), Number);
    x.dispose();
    y.dispose();
    for (let i = 0; i < n; i++) {
      const w = want[i] as number;
      const g = got[i] as number;
      if (Number.isNaN(w)) expect(g).toBeNaN();
      else if (!(Math.abs(g - w) <= BOUND)) expect.fail(`erf(${xs[i]}) = ${g}, want ${w}`);
    }
    expect(Object.is(got[53], 0) && Object.is(got[54], -0)).toBe(true); // signed zeros kept
  });
});
