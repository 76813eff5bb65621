/**
 * checkGrads: passes correct derivatives in both modes and to second order, and catches (and
 * names) a wrong forward rule, a disagreement between the modes, and a wrong second derivative.
 */
import { checkGrads, customJvp, stopGradient } from '@webgrad/autograd';
import { randn, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const x3 = () => randn([3], { dtype: 'float64', seed: 1 });

describe('checkGrads', () => {
  it('passes a smooth function of two inputs to second order, running every check', async () => {
    const f = (x: Tensor, w: Tensor) => x.reshape([1, 3]).matmul(w).tanh().mul(x.sum()).sum(0);
    const r = await checkGrads(f, [x3(), randn([3, 2], { dtype: 'float64', seed: 2 })]);
    expect(r.ok, r.message).toBe(true);
    expect(r.checks.map((c) => c.check)).toEqual([
      'fwd vs central differences of f',
      'rev vs fwd of f',
      'fwd vs central differences of jvp(f)',
      'rev vs fwd of jvp(f)',
      'fwd vs central differences of vjp(f)',
      'rev vs fwd of vjp(f)',
    ]);
    expect(r.checks.every((c) => c.ok && c.entries > 0)).toBe(true);
  });

  it('copies float32 and integer inputs to the CPU, perturbing only the float ones', async () => {
    const idx = tensor([2, 0], { dtype: 'int32' });
    const f = (x: Tensor, i: Tensor) => x.gather(i, 0).exp();
    const r = await checkGrads(f, [randn([3], { seed: 3 }), idx], { order: 1 });
    expect(r.ok, r.message).toBe(true);
  });

  it('fails a wrong forward rule and names the check, input and element', async () => {
    const badSin = customJvp(
      (x: Tensor) => x.sin(),
      ([t], _out, x) => (t as Tensor).mul((x as Tensor).cos()).mul(1.01),
      { name: 'badSin' },
    );
    const r = await checkGrads((x: Tensor) => badSin(x), [x3()], { order: 1, modes: ['fwd'] });
    expect(r.ok).toBe(false);
    expect(r.worst?.check).toBe('fwd vs central differences of f');
    expect(r.worst?.input).toBe(0);
    expect(r.message).toMatch(/FAILED: worst in 'fwd vs central differences of f' at input 0 element \[\d\]/);
  });

  it('fails when reverse mode disagrees with forward mode', async () => {
    // Reverse mode differentiates forward's ops (correct); the forward rule is wrong.
    const bad = customJvp(
      (x: Tensor) => x.exp(),
      ([t], out) => (t as Tensor).mul(out).mul(2),
    );
    const r = await checkGrads((x: Tensor) => bad(x), [x3()], { order: 1, modes: ['rev'] });
    expect(r.ok).toBe(false);
    expect(r.worst?.check).toBe('rev vs fwd of f');
  });

  it('fails a rule that is right at first order only', async () => {
    // d sin = cos(x) t, but with cos(x) a constant the second derivative is 0, not -sin(x).
    const flatSin = customJvp(
      (x: Tensor) => x.sin(),
      ([t], _out, x) => (t as Tensor).mul(stopGradient((x as Tensor).cos())),
    );
    const f = (x: Tensor) => flatSin(x);
    expect((await checkGrads(f, [x3()], { order: 1, modes: ['fwd'] })).ok).toBe(true);
    const r = await checkGrads(f, [x3()], { order: 2, modes: ['fwd'] });
    expect(r.ok).toBe(false);
    expect(r.worst?.check).toBe('fwd vs central differences of jvp(f)');
  });

  it('rejects bad modes and inputs without floats', async () => {
    await expect(checkGrads((x: Tensor) => x, [x3()], { modes: [] })).rejects.toThrow(/modes/);
    await expect(checkGrads((x: Tensor) => x, [tensor([1], { dtype: 'int32' })])).rejects.toThrow(/no float inputs/);
    await expect(
      checkGrads(
        (x: Tensor) =>
          customJvp(
            (x: Tensor) => x.exp(),
            ([t]) => t as Tensor,
          )(x),
        [x3()],
        { order: 1, raise: true },
      ),
    ).rejects.toThrow(/checkGrads FAILED/);
  });
});
