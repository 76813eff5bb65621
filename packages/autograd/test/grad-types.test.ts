/**
 * The transforms' static types: grad/valueAndGrad give the argument's own type back (a Tensor,
 * a tuple for a tuple of argnums, the pytree type for a pytree argument), and a vjp pullback a
 * tuple of Tensors. `pnpm typecheck` checks the expectTypeOf lines; the runtime lines check that
 * the values have the structure the types promise.
 */
import { grad, type PyTree, valueAndGrad, vjp } from '@webgrad/autograd';
import { onesLike, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, expectTypeOf, it } from 'vitest';

const x = tensor([1, 2, 3], { dtype: 'float64' });
const w = tensor([0.5, -1, 2], { dtype: 'float64' });

describe('typed transforms', () => {
  it('grad with one argument returns a Tensor (no cast needed to call .sum())', async () => {
    const g = grad((v: Tensor) => v.mul(v).sum())(x);
    expectTypeOf(g).toEqualTypeOf<Tensor>();
    expect(await g.sum().item()).toBe(12);
    const gw = grad((a: Tensor, b: Tensor) => a.mul(b).sum(), { argnums: 1 })(x, w);
    expectTypeOf(gw).toEqualTypeOf<Tensor>();
    expect(await gw.array()).toEqual([1, 2, 3]);
  });

  it('a tuple of argnums gives a tuple', async () => {
    const [ga, gb] = grad((a: Tensor, b: Tensor) => a.mul(b).sum(), { argnums: [0, 1] })(x, w);
    expectTypeOf(ga).toEqualTypeOf<Tensor>();
    expectTypeOf(gb).toEqualTypeOf<Tensor>();
    expect(await ga.array()).toEqual([0.5, -1, 2]);
    expect(await gb.array()).toEqual([1, 2, 3]);
  });

  it('a pytree argument gives that pytree type', async () => {
    type Params = { w: Tensor; layers: Tensor[] };
    const loss = (p: Params, v: Tensor) =>
      p.w
        .mul(v)
        .sum()
        .add(p.layers[0]?.sum() ?? 0);
    const g = grad(loss)({ w, layers: [x] }, x);
    expectTypeOf(g).toEqualTypeOf<Params>();
    expect(await g.w.array()).toEqual([1, 2, 3]);
    expect(await g.layers[0]?.array()).toEqual([1, 1, 1]);
  });

  it('valueAndGrad pairs the value type with the gradient type, hasAux included', async () => {
    const [value, g] = valueAndGrad((v: Tensor) => v.square().sum())(x);
    expectTypeOf(value).toEqualTypeOf<Tensor>();
    expectTypeOf(g).toEqualTypeOf<Tensor>();
    expect(await value.item()).toBe(14);
    const [[v2, aux], g2] = valueAndGrad((v: Tensor) => [v.sum(), 'note'] as [Tensor, string], { hasAux: true })(x);
    expectTypeOf(aux).toEqualTypeOf<string>();
    expectTypeOf(g2).toEqualTypeOf<Tensor>();
    expect(aux).toBe('note');
    expect(await v2.item()).toBe(6);
  });

  it('argnums known only at run time keep the general type', () => {
    const nums: number | number[] = Math.random() < 2 ? [0] : 0;
    const g = grad((a: Tensor) => a.sum(), { argnums: nums })(x);
    expectTypeOf(g).toEqualTypeOf<PyTree | PyTree[]>();
    expect(Array.isArray(g)).toBe(true);
  });

  it('a vjp pullback returns one Tensor per primal, as a tuple', async () => {
    const [out, pullback] = vjp((a: Tensor, b: Tensor) => a.mul(b), x, w);
    const [da, db] = pullback(onesLike(out));
    expectTypeOf(da).toEqualTypeOf<Tensor>();
    expectTypeOf(db).toEqualTypeOf<Tensor>();
    expect(await da.array()).toEqual([0.5, -1, 2]);
    expect(await db.array()).toEqual([1, 2, 3]);
  });
});
