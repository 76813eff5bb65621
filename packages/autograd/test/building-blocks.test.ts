/**
 * Derivatives of the building blocks at the points the op-spec rows keep away from: the norm at
 * 0 (PyTorch: gradient 0), rounding (zero everywhere), sort/topk (to the source positions, ties
 * included), cumprod through zeros to second order; and argsort under vmap and jvp.
 */
import { grad, hessian, jvp, vmap } from '@webgrad/autograd';
import type { Tensor } from '@webgrad/tensor';
import * as T from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = { dtype: 'float64' as const };
const vals = (t: Tensor) => Array.from(t.dataSync());

describe('norm at 0', () => {
  it.each([1, 2, 3, Number.POSITIVE_INFINITY])('p = %s has gradient 0 at the origin, finite elsewhere', (p) => {
    const g = grad((x: Tensor) => T.norm(x, p))(T.zeros([4], f64)) as Tensor;
    expect(vals(g)).toEqual([0, 0, 0, 0]);
    // A zero lane next to a non-zero one: only the zero lane's gradient is 0.
    const x = T.tensor(
      [
        [0, 0],
        [3, -4],
      ],
      f64,
    );
    const gl = grad((v: Tensor) => T.norm(v, p, 1).sum())(x) as Tensor;
    expect(vals(gl).slice(0, 2)).toEqual([0, 0]);
    expect(vals(gl).slice(2).every(Number.isFinite)).toBe(true);
  });
  it('p = 2 away from 0 is x / |x|', () => {
    const g = grad((x: Tensor) => T.norm(x))(T.tensor([3, -4], f64)) as Tensor;
    const [g0, g1] = vals(g) as [number, number];
    expect(g0).toBeCloseTo(0.6, 14);
    expect(g1).toBeCloseTo(-0.8, 14);
  });
});

describe('rounding', () => {
  it.each([
    ['floor', T.floor],
    ['ceil', T.ceil],
    ['trunc', T.trunc],
    ['round', T.round],
  ] as const)('%s has derivative 0, halves included', (_, fn) => {
    const x = T.tensor([-1.5, -0.5, 0.5, 2.5, 0.3], f64);
    expect(vals(grad((v: Tensor) => fn(v).sum())(x) as Tensor)).toEqual([0, 0, 0, 0, 0]);
    const [, t] = jvp((v: Tensor) => fn(v), [x], [T.onesLike(x)]);
    expect(vals(t as Tensor)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('sort and topk', () => {
  it('sort sends each cotangent back to where its value came from, ties by position', () => {
    const x = T.tensor([2, 1, 2, 0], f64);
    const w = T.tensor([1, 10, 100, 1000], f64); // weights of sorted positions 0..3
    const g = grad((v: Tensor) => T.sort(v).mul(w).sum())(x) as Tensor;
    // sorted: 0 (from 3), 1 (from 1), 2 (from 0), 2 (from 2): stable.
    expect(vals(g)).toEqual([100, 10, 1000, 1]);
  });
  it('topk values: gradient at the chosen positions only', () => {
    const x = T.tensor(
      [
        [1, 5, 3],
        [9, 2, 9],
      ],
      f64,
    );
    const g = grad((v: Tensor) => T.topk(v, 2).values.sum())(x) as Tensor;
    expect(vals(g)).toEqual([0, 1, 1, 1, 0, 1]);
  });
  it('argsort under vmap equals argsort of each example', () => {
    const xs = T.randn([3, 4, 5], { seed: 1 });
    const batched = vmap((x: Tensor) => T.argsort(x, 0, { descending: true }))(xs) as Tensor;
    const each = T.stack([0, 1, 2].map((i) => T.argsort(xs.slice(i).squeeze(0), 0, { descending: true })));
    expect(vals(batched)).toEqual(vals(each));
  });
  it('sort under jvp carries the tangent with its value', () => {
    const x = T.tensor([3, 1, 2], f64);
    const [y, t] = jvp((v: Tensor) => T.sort(v), [x], [T.tensor([30, 10, 20], f64)]);
    expect(vals(y as Tensor)).toEqual([1, 2, 3]);
    expect(vals(t as Tensor)).toEqual([10, 20, 30]);
  });
});

describe('cumprod through zeros', () => {
  it('the Hessian of sum(cumprod(x)) matches the polynomial, zeros included', () => {
    // f = x0 + x0 x1 + x0 x1 x2: d2f/dx0dx1 = 1 + x2, d2f/dx0dx2 = x1, d2f/dx1dx2 = x0.
    const points: [number, number, number][] = [
      [0, 0, 0],
      [2, 0, 3],
      [0, 5, 0],
    ];
    for (const [a, b, c] of points) {
      const h = hessian((x: Tensor) => T.cumprod(x).sum())(T.tensor([a, b, c], f64));
      expect(vals(h)).toEqual([0, 1 + c, b, 1 + c, 0, a, b, a, 0]);
    }
  });
});
