/**
 * Every row of the op-spec table with `gradInputs` passes gradcheck (float64, CPU): the analytic
 * Jacobian from the derivative table matches central differences over the row's random cases,
 * shapes (broadcast, size 0 and 1 dims) and memory layouts (transposed, sliced).
 *
 * Runs per row: FC_NUM_RUNS when set; else 100 under CI (the bar) and 8 locally, so that
 * the file stays well under a minute on a laptop.
 */
import { grad, gradcheck } from '@webgrad/autograd';
import { dispatch, randn, type Tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { numRuns } from '../../tensor/test/spec/compare.js';
import { describeGradRows } from './op-spec-grad-rows.js';

describeGradRows('gradcheck of every differentiable op-spec row', gradcheck, numRuns(process.env.CI ? 100 : 8));

/** Primitive paths no composite row reaches: interior padding, float <-> float casts. */
describe('primitive paths outside the op-spec rows', () => {
  it('pad with interior padding passes gradcheck (its VJP is a strided slice)', async () => {
    const x = randn([2, 3], { dtype: 'float64', seed: 1 });
    const f = (x: Tensor) =>
      dispatch('pad', [x], { low: [1, 0], high: [0, 2], interior: [2, 1], value: 0.5 }).mul(x.sum());
    const r = await gradcheck(f, [x]);
    expect(r.ok, r.message).toBe(true);
  });

  it('a float32 -> float64 -> float32 round trip gives float32 gradients', () => {
    const x = randn([3], { seed: 2 });
    const g = grad((x: Tensor) => x.cast('float64').square().sum().cast('float32'))(x) as Tensor;
    expect(g.dtype).toBe('float32');
    const xs = x.dataSync();
    Array.from(g.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(2 * (xs[i] as number), 5);
    });
  });
});
