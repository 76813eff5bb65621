/**
 * Nesting orders agree (no perturbation confusion): for random smooth unary ops g, h, k and
 * f(x, y) = sum(g(x) * h(x * y) + k(y)), the mixed derivative d/dx [d/dy f along v] along u is
 * computed four ways, with the inner transform closing over the outer level's x:
 * jvp of jvp, jvp of grad, grad of jvp and grad of grad (the last two contracted with u), and
 * matched against central differences of the analytic inner derivative. An inner level that
 * mistook the outer x's perturbation for its own would change the result.
 */
import { grad, jvp } from '@webgrad/autograd';
import { type Tensor, tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { numRuns } from '../../tensor/test/spec/compare.js';

const OPS: Record<string, (t: Tensor) => Tensor> = {
  sin: (t) => t.sin(),
  tanh: (t) => t.tanh(),
  exp: (t) => t.mul(0.5).exp(),
  square: (t) => t.square(),
  sigmoid: (t) => t.sigmoid(),
  softplus: (t) => t.softplus(),
};

const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });
const dot = (a: Tensor, b: Tensor) => a.mul(b).sum();

describe('nested transforms on the same tensor agree in every order', () => {
  it('jvp∘jvp = jvp∘grad = grad∘jvp = grad∘grad = central differences', () => {
    const name = fc.constantFrom(...Object.keys(OPS));
    const vec = fc
      .array(fc.integer({ min: -150, max: 150 }), { minLength: 3, maxLength: 3 })
      .map((a) => a.map((v) => v / 100));
    fc.assert(
      fc.property(name, name, name, vec, vec, vec, vec, (gn, hn, kn, xv, yv, uv, vv) => {
        const [g, h, k] = [OPS[gn], OPS[hn], OPS[kn]] as ((t: Tensor) => Tensor)[];
        const f = (x: Tensor, y: Tensor) =>
          (g as (t: Tensor) => Tensor)(x)
            .mul((h as (t: Tensor) => Tensor)(x.mul(y)))
            .add((k as (t: Tensor) => Tensor)(y))
            .sum();
        const [x0, y0, u, v] = [f64(xv), f64(yv), f64(uv), f64(vv)];
        // inner(x) = d/dy f(x, y) at y0 along v, as a function of the outer x
        const innerJvp = (x: Tensor) => jvp((y: Tensor) => f(x, y), [y0], [v])[1];
        const innerGrad = (x: Tensor) => dot(grad((y: Tensor) => f(x, y))(y0) as Tensor, v);
        const ways = {
          'jvp of jvp': jvp(innerJvp, [x0], [u])[1],
          'jvp of grad': jvp(innerGrad, [x0], [u])[1],
          'grad of jvp': dot(grad(innerJvp)(x0) as Tensor, u),
          'grad of grad': dot(grad(innerGrad)(x0) as Tensor, u),
        };
        const eps = 1e-6;
        const shifted = (s: number) => innerJvp(x0.add(u.mul(s * eps))).dataSync()[0] as number;
        const numeric = (shifted(1) - shifted(-1)) / (2 * eps);
        for (const [way, t] of Object.entries(ways)) {
          const got = t.dataSync()[0] as number;
          if (!(Math.abs(got - numeric) <= 1e-6 + 1e-5 * Math.abs(numeric))) {
            throw new Error(
              `${way} of f = sum(${gn}(x) * ${hn}(x y) + ${kn}(y)): ${got}, central differences ${numeric}`,
            );
          }
        }
      }),
      { numRuns: numRuns(process.env.CI ? 100 : 25) },
    );
  });
});
