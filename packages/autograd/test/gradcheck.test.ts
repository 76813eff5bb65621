/**
 * gradcheck itself is tested: it must catch a wrong VJP (injected with customVjp) and name the
 * right input and element, in full and fast mode; pass correct functions; promote float32.
 */
import { customVjp, gradcheck, gradgradcheck, stopGradient } from '@webgrad/autograd';
import { gather, randn, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (shape: number[], seed: number) => randn(shape, { dtype: 'float64', seed });

/** 2x with a backward that is right everywhere except element [1, 2], where it is off by 0.5. */
const twiceWithBug = customVjp(
  (x) => x.mul(2),
  (g) => {
    const bump = new Float64Array(6);
    bump[5] = 0.5;
    return [g.mul(2).add(g.mul(tensor(bump, { dtype: 'float64', shape: [2, 3] })))];
  },
);

const twice = customVjp(
  (x) => x.mul(2),
  (g) => [g.mul(2)],
);

describe('gradcheck', () => {
  it('catches a wrong VJP and names the input and element', async () => {
    const a = f64([2, 3], 1);
    const b = f64([2, 3], 2);
    const r = await gradcheck((a, b) => a.sin().add(twiceWithBug(b)), [a, b]);
    expect(r.ok).toBe(false);
    expect(r.worst?.input).toBe(1);
    expect(r.worst?.index).toEqual([1, 2]);
    expect(r.worst?.output).toEqual([1, 2]);
    expect(r.worst?.numeric).toBeCloseTo(2, 6);
    expect(r.worst?.analytic).toBeCloseTo(2.5, 12);
    expect(r.maxAbsError).toBeCloseTo(0.5, 6);
    expect(r.message).toMatch(/FAILED.*input 1 element \[1, 2\].*analytic 2\.5/);
  });

  it('catches it in fast mode too, and still locates it', async () => {
    const a = f64([2, 3], 3);
    const r = await gradcheck((a) => twiceWithBug(a).sum(), [a], { fastMode: true });
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/fast mode v\^T J u.*failed/);
    expect(r.worst?.index).toEqual([1, 2]);
  });

  it('passes correct functions, in full and fast mode', async () => {
    const x = f64([3, 4], 4);
    const w = f64([4, 2], 5);
    const f = (x: Tensor, w: Tensor) =>
      x
        .matmul(w)
        .tanh()
        .mul(twice(x.sum(1, true)))
        .softmax(-1);
    for (const fastMode of [false, true]) {
      const r = await gradcheck(f, [x, w], { fastMode });
      expect(r.ok, r.message).toBe(true);
      expect(r.maxAbsError).toBeLessThan(1e-7);
    }
  });

  it('promotes float32 inputs to float64 for the check', async () => {
    const x = randn([5], { seed: 6 }); // float32
    const seen: string[] = [];
    const r = await gradcheck(
      (x) => {
        seen.push(x.dtype);
        return x.exp().mul(x).sum();
      },
      [x],
    );
    expect(r.ok, r.message).toBe(true);
    expect(new Set(seen)).toEqual(new Set(['float64']));
  });

  it('passes integer inputs through unperturbed', async () => {
    const x = f64([3, 4], 7);
    const index = tensor([[0, 2, 2, 1]], { dtype: 'int32' });
    const r = await gradcheck((x, i) => gather(x, i, 0).exp(), [x, index]);
    expect(r.ok, r.message).toBe(true);
    expect(r.worst?.input).toBe(0);
  });

  it('throws with the report when raise is set', async () => {
    await expect(gradcheck((a) => twiceWithBug(a), [f64([2, 3], 8)], { raise: true })).rejects.toThrow(
      /gradcheck FAILED.*input 0 element \[1, 2\]/,
    );
  });
});

describe('gradgradcheck', () => {
  it('passes correct second derivatives', async () => {
    const r = await gradgradcheck((x, w) => x.matmul(w).tanh().exp().sum(0), [f64([2, 3], 9), f64([3, 2], 10)]);
    expect(r.ok, r.message).toBe(true);
  });

  it('catches a backward whose own derivative is wrong', async () => {
    // First derivative right (2x), but written with a detached x: its derivative is 0, not 2.
    const square = customVjp(
      (x) => x.mul(x),
      (g, _out, x) => [g.mul(stopGradient(x)).mul(2)],
    );
    const x = f64([3], 11);
    expect((await gradcheck((x) => square(x), [x])).ok).toBe(true);
    const r = await gradgradcheck((x) => square(x), [x]);
    expect(r.ok).toBe(false);
    expect(r.message).toMatch(/gradgradcheck FAILED/);
  });
});
