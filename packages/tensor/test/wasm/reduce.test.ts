/**
 * The wasm row reductions against the TS kernels on contiguous tensors of 1024+ elements reduced
 * over their trailing axes: max exactly (NaN propagates; signed zeros compare equal), sums within
 * the reassociation error of a float64 accumulation (both kernels accumulate in float64; float32
 * results may then round to a neighbouring float32).
 */
import * as T from '@webgrad/tensor';
import { type DType, getCpuKernels, setCpuKernels } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { wasmKernelsAvailable } from '../../src/backends/cpu/wasm/settings.js';

const initial = getCpuKernels();
afterAll(() => setCpuKernels(initial));

describe.runIf(wasmKernelsAvailable())('wasm row reductions', () => {
  it('agree with the TS kernels over trailing axes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 30, max: 140 }),
        fc.constantFrom<'sum' | 'max'>('sum', 'max'),
        fc.constantFrom(1, 2),
        fc.constantFrom<DType>('float32', 'float64'),
        fc.boolean(),
        fc.integer({ min: 0, max: 1000 }),
        (a, b, c, op, reduced, dtype, nan, seed) => {
          fc.pre(a * b * c >= 1024);
          const values = T.randn([a * b * c], { seed, dtype: 'float64' }).dataSync() as Float64Array;
          if (nan) values[(seed * 7) % values.length] = Number.NaN;
          const axes = reduced === 1 ? [2] : [1, 2];
          const results = (['ts', 'wasm'] as const).map((set) => {
            setCpuKernels(set);
            const x = T.tensor(values, { shape: [a, b, c], dtype });
            const y = op === 'sum' ? x.sum(axes) : x.max(axes);
            const data = Array.from(y.dataSync(), Number);
            const mag = Array.from(x.abs().sum(axes).dataSync(), Number);
            x.dispose();
            y.dispose();
            return { data, mag };
          });
          const [ts, wasm] = results as [{ data: number[]; mag: number[] }, { data: number[]; mag: number[] }];
          expect(wasm.data.length).toBe(ts.data.length);
          ts.data.forEach((want, i) => {
            const got = wasm.data[i] as number;
            if (Number.isNaN(want)) {
              expect(got).toBeNaN();
              return;
            }
            const tol =
              op === 'max' ? 0 : 1e-13 * (ts.mag[i] as number) + (dtype === 'float32' ? 2 ** -23 * Math.abs(want) : 0);
            if (!(Math.abs(got - want) <= tol)) expect.fail(`${op} ${dtype} row ${i}: ${got} vs ${want} (tol ${tol})`);
          });
        },
      ),
      { numRuns: 80 },
    );
  });
});
