/** gradcheck's fast mode on the inputs it is for: a million elements (one projection, two evaluations). */
import { gradcheck } from '@webgrad/autograd';
import { randn, type Tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

describe('gradcheck fast mode at scale', () => {
  it('checks a 10^6-element input', async () => {
    const x = randn([1000, 1000], { dtype: 'float64', seed: 3 });
    const f = (x: Tensor) => x.sin().mul(x).sum(1).tanh();
    const r = await gradcheck(f, [x], { fastMode: true });
    expect(r.ok, r.message).toBe(true);
    expect(r.message).toMatch(/fast mode v\^T J u/);
  });
});
