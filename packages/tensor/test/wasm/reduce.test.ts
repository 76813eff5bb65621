/**
 * The wasm row reductions against the TS kernels on contiguous tensors of 1024+ elements reduced
 * over their trailing axes: max exactly (NaN propagates; signed zeros compare equal), sums within
 * the reassociation error of a float64 accumulation (both kernels accumulate in float64; float32
 * results may then round to a neighbouring float32). Over leading and middle axes (columns,
 * also what a sum over the last axis of a transposed view is in memory) the wasm kernel adds each
 * column in row order in float64 as the TS kernel's scan does: the same bits, sums and maxima.
 */
import * as T from '@webgrad/tensor';
import { type DType, getCpuKernels, setCpuKernels } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { planReduce } from '../../src/backends/cpu/wasm/reduce-plan.js';
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

describe('reduce plans', () => {
  it('read dense layouts in memory order as rows or columns', () => {
    expect(planReduce([1024, 128], [128, 1], [0])).toEqual({ outer: 1, reduced: 1024, inner: 128 });
    expect(planReduce([4, 8, 16], [128, 16, 1], [0, 1])).toEqual({ outer: 1, reduced: 32, inner: 16 });
    expect(planReduce([4, 8, 16], [128, 16, 1], [1])).toEqual({ outer: 4, reduced: 8, inner: 16 });
    expect(planReduce([4, 8, 16], [128, 16, 1], [1, 2])).toEqual({ outer: 4, reduced: 128, inner: 1 });
    // A transposed [R, C] view (stored [C, R]) summed over its last axis: columns in memory.
    expect(planReduce([64, 32], [1, 64], [1])).toEqual({ outer: 1, reduced: 32, inner: 64 });
    // Size-1 axes take no part.
    expect(planReduce([1, 64, 1, 32], [2048, 32, 32, 1], [0, 1])).toEqual({ outer: 1, reduced: 64, inner: 32 });
  });

  it('leave the rest to the TS kernel', () => {
    expect(planReduce([8, 16], [32, 2], [0])).toBeUndefined(); // gaps (a sliced view)
    expect(planReduce([8, 16], [-16, 1], [0])).toBeUndefined(); // a reversed axis
    expect(planReduce([8, 16], [0, 1], [0])).toBeUndefined(); // broadcast
    expect(planReduce([4, 8, 16], [128, 16, 1], [0, 2])).toBeUndefined(); // R K R
    expect(planReduce([4, 8, 16], [1, 64, 4], [2])).toBeUndefined(); // kept axes out of output order
    expect(planReduce([4, 8], [8, 1], [])).toBeUndefined(); // nothing reduced
  });
});

type ColumnLayout = 'contiguous' | 'permuted';

describe.runIf(wasmKernelsAvailable())('wasm column reductions', () => {
  it('give the bits of the TS kernels over leading and middle axes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 2, max: 60 }),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom([0], [0, 1], [1]),
        fc.constantFrom<ColumnLayout>('contiguous', 'permuted'),
        fc.constantFrom<'sum' | 'max'>('sum', 'max'),
        fc.constantFrom<DType>('float32', 'float64'),
        fc.constantFrom('none', 'nan', 'zeros'),
        fc.integer({ min: 0, max: 1000 }),
        (a, b, c, axes, layout, op, dtype, special, seed) => {
          fc.pre(a * b * c >= 1024);
          const values = T.randn([a * b * c], { seed, dtype: 'float64' }).dataSync() as Float64Array;
          if (special === 'nan') values[(seed * 7) % values.length] = Number.NaN;
          if (special === 'zeros') for (let i = 0; i < values.length; i += 3) values[i] = i % 2 ? -0 : 0;
          const results = (['ts', 'wasm'] as const).map((set) => {
            setCpuKernels(set);
            // 'permuted': stored as [c, a, b] and viewed as [a, b, c] (last axis outermost in memory).
            const x =
              layout === 'contiguous'
                ? T.tensor(values, { shape: [a, b, c], dtype })
                : T.tensor(values, { shape: [c, a, b], dtype }).permute(1, 2, 0);
            const reduceAxes = layout === 'contiguous' ? axes : [2];
            const y = op === 'sum' ? x.sum(reduceAxes) : x.max(reduceAxes);
            const data = Array.from(y.dataSync(), Number);
            x.dispose();
            y.dispose();
            return data;
          });
          // max(+0, -0) is +0 in wasm and the later operand in TS: signed zeros compare equal.
          const unsign = (d: number[]) => (op === 'max' ? d.map((v) => (v === 0 ? 0 : v)) : d);
          expect(unsign(results[1] as number[])).toEqual(unsign(results[0] as number[]));
        },
      ),
      { numRuns: 80 },
    );
  });

  it('give the bits of the TS kernels on rows of 8 KiB and more (the streaming kernels)', () => {
    // Rows past one strip of 2048 columns, with a partial strip and an odd tail.
    const cases: [number[], number[], DType][] = [
      [[3, 2100], [0], 'float32'],
      [[2, 5, 1031], [1], 'float64'],
      [[4, 3, 2053], [0, 1], 'float32'],
      [[2, 4099], [0], 'float64'],
    ];
    for (const [shape, axes, dtype] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = T.randn([n], { seed: n, dtype: 'float64' }).dataSync() as Float64Array;
      values[n >> 1] = Number.NaN;
      for (let i = 0; i < n; i += 5) values[i] = i % 2 ? -0 : 0;
      for (const op of ['sum', 'max'] as const) {
        const results = (['ts', 'wasm'] as const).map((set) => {
          setCpuKernels(set);
          const x = T.tensor(values, { shape, dtype });
          const y = op === 'sum' ? x.sum(axes) : x.max(axes);
          const data = Array.from(y.dataSync(), (v) => (v === 0 ? 0 : v)); // signed zeros compare equal
          x.dispose();
          y.dispose();
          return data;
        });
        expect(results[1], `${op} ${dtype} [${shape}] over [${axes}]`).toEqual(results[0]);
      }
    }
  });
});
