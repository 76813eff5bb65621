/**
 * Whole graphs: random expressions (fast-check) over a small op vocabulary with shared
 * subexpressions (diamonds) pass gradcheck; reuse accumulates; second derivatives match
 * gradgradcheck and closed forms.
 */
import { grad, gradcheck, gradgradcheck } from '@webgrad/autograd';
import { concat, logsumexp, softmax, type Tensor, tensor } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numRuns } from '../../tensor/test/spec/compare.js';

const RUNS = numRuns(process.env.CI ? 100 : 25);
const SHAPE = [2, 3];

/** Shape-preserving ops on [2, 3] values; several change shape inside and come back. */
const VOCAB: Record<string, (a: Tensor, b: Tensor) => Tensor> = {
  tanh: (a) => a.tanh(),
  sin: (a) => a.sin(),
  expTanh: (a) => a.tanh().exp(),
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  divSafe: (a, b) => a.div(b.mul(b).add(1)),
  sqrtSafe: (a) => a.mul(a).add(1).sqrt(),
  maximum: (a, b) => a.maximum(b),
  softmax: (a) => softmax(a, -1),
  logSoftmax: (a) => a.sub(logsumexp(a, -1, true)),
  broadcastSum: (a, b) => a.add(b.sum(0, true)),
  matmul: (a, b) => a.matmul(b.transpose()).matmul(a).mul(0.3),
  sliceConcat: (a, b) => concat([a.slice([0, 1]), b.slice([1, 2])], 0),
  meanMax: (a, b) => a.mul(b.max(1, true)).sub(a.mean(0, true)),
};

const values = fc.array(fc.integer({ min: -2000, max: 2000 }), { minLength: 6, maxLength: 6 });
const step = fc.record({ op: fc.constantFrom(...Object.keys(VOCAB)), i: fc.nat(), j: fc.nat() });
const program = fc.record({ x: values, y: values, steps: fc.array(step, { minLength: 2, maxLength: 5 }) });

type Program = { steps: { op: string; i: number; j: number }[] };

/** Each step's operands are any earlier values (so values get reused: diamonds). */
function run(p: Program, x: Tensor, y: Tensor): Tensor {
  const vals = [x, y];
  for (const s of p.steps) {
    const a = vals[s.i % vals.length] as Tensor;
    const b = vals[s.j % vals.length] as Tensor;
    vals.push((VOCAB[s.op] as (a: Tensor, b: Tensor) => Tensor)(a, b));
  }
  return vals[vals.length - 1] as Tensor;
}

const f64 = (data: number[], shape = SHAPE) => tensor(Float64Array.from(data), { dtype: 'float64', shape });

describe('random expression graphs', () => {
  it('pass gradcheck', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (p) => {
        const x = f64(p.x.map((v) => v / 1000));
        const y = f64(p.y.map((v) => v / 1000));
        const r = await gradcheck((x, y) => run(p, x, y), [x, y]);
        if (!r.ok) throw new Error(`${p.steps.map((s) => s.op).join(' -> ')}: ${r.message}`);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('accumulation', () => {
  it('a tensor used several times gets the sum of its uses', () => {
    // f = sum(x*x + x + exp(x) * exp(x)): f' = 2x + 1 + 2 exp(2x)
    const xs = [-0.5, 0.25, 1];
    const g = grad((x: Tensor) => {
      const e = x.exp();
      return x.mul(x).add(x).add(e.mul(e)).sum();
    })(f64(xs, [3])) as Tensor;
    Array.from(g.dataSync()).forEach((v, i) => {
      const x = xs[i] as number;
      expect(v).toBeCloseTo(2 * x + 1 + 2 * Math.exp(2 * x), 12);
    });
  });
});

/** d/dx sum(v * grad(f)(x)): the Hessian of f times v. */
const hvp = (f: (x: Tensor) => Tensor, x: Tensor, v: Tensor) =>
  Array.from((grad((x: Tensor) => (grad(f)(x) as Tensor).mul(v).sum())(x) as Tensor).dataSync());

describe('second order', () => {
  const x = f64([0.3, -1.2, 0.7], [3]);
  const xv = [0.3, -1.2, 0.7];
  const v = f64([1, -2, 0.5], [3]);
  const vv = [1, -2, 0.5];
  const near = (got: number[], want: number[]) => {
    expect(got.length).toBe(want.length);
    got.forEach((g, i) => {
      expect(g).toBeCloseTo(want[i] as number, 10);
    });
  };

  it('exp, tanh, mul: grad(grad(f)) matches the closed forms', () => {
    near(
      hvp((x) => x.exp().sum(), x, v),
      xv.map((a, i) => Math.exp(a) * (vv[i] as number)),
    );
    // (tanh)'' = -2 t (1 - t^2)
    near(
      hvp((x) => x.tanh().sum(), x, v),
      xv.map((a, i) => -2 * Math.tanh(a) * (1 - Math.tanh(a) ** 2) * (vv[i] as number)),
    );
    // f = sum(x * x * x): f'' = 6x
    near(
      hvp((x) => x.mul(x).mul(x).sum(), x, v),
      xv.map((a, i) => 6 * a * (vv[i] as number)),
    );
  });

  it('logsumexp and softmax: grad(grad(f)) matches the closed forms', () => {
    const e = xv.map(Math.exp);
    const z = e.reduce((a, b) => a + b, 0);
    const s = e.map((a) => a / z);
    const sv = s.reduce((acc, si, i) => acc + si * (vv[i] as number), 0);
    // Hessian of logsumexp = diag(s) - s s^T
    near(
      hvp((x) => logsumexp(x), x, v),
      s.map((si, k) => si * (vv[k] as number) - si * sv),
    );
    // f = sum(w * softmax(x)): grad a = s (w - s.w); (H v)_k = v_k s_k (w_k - sw) - s_k Σ v_i s_i (w_i - sw) - s_k (w_k - sw) (s.v)
    const wv = [0.5, 2, -1];
    const w = f64(wv, [3]);
    const sw = s.reduce((acc, si, i) => acc + si * (wv[i] as number), 0);
    const c = s.reduce((acc, si, i) => acc + (vv[i] as number) * si * ((wv[i] as number) - sw), 0);
    near(
      hvp((x) => softmax(x, -1).mul(w).sum(), x, v),
      s.map((sk, k) => (vv[k] as number) * sk * ((wv[k] as number) - sw) - sk * c - sk * ((wv[k] as number) - sw) * sv),
    );
  });

  it('matmul: grad(grad(f)) matches the closed form', () => {
    // f(X) = sum((A X)^2); grad = 2 A^T A X; d/dX sum(grad * V) = 2 A^T A V
    const A = f64([1, 2, -1, 0.5, 3, 1], [3, 2]);
    const Xm = f64([0.1, 0.2, 0.3, -0.4], [2, 2]);
    const V = f64([1, 0, -1, 2], [2, 2]);
    const got = Array.from(
      (
        grad((X: Tensor) => (grad((X: Tensor) => A.matmul(X).square().sum())(X) as Tensor).mul(V).sum())(Xm) as Tensor
      ).dataSync(),
    );
    const a = Array.from(A.dataSync());
    const vm = Array.from(V.dataSync());
    const want = [0, 1, 2, 3].map((idx) => {
      const [k, j] = [Math.floor(idx / 2), idx % 2];
      let acc = 0;
      for (let m = 0; m < 2; m++) {
        let ata = 0;
        for (let i = 0; i < 3; i++) ata += (a[i * 2 + k] as number) * (a[i * 2 + m] as number);
        acc += ata * (vm[m * 2 + j] as number);
      }
      return 2 * acc;
    });
    near(got, want);
  });

  it.each([
    ['exp', (x: Tensor, _y: Tensor) => x.exp()],
    ['tanh', (x: Tensor, _y: Tensor) => x.tanh()],
    ['mul', (x: Tensor, y: Tensor) => x.mul(y).mul(x)],
    ['matmul', (x: Tensor, y: Tensor) => x.matmul(y.transpose()).tanh()],
    ['softmax', (x: Tensor, _y: Tensor) => softmax(x, -1)],
    ['logsumexp', (x: Tensor, _y: Tensor) => logsumexp(x, -1)],
  ] as const)('gradgradcheck passes for %s', async (_name, f) => {
    const a = f64([0.3, -1.2, 0.7, 0.1, 0.9, -0.4]);
    const b = f64([-0.2, 0.5, 1.1, -0.8, 0.6, 0.2]);
    const r = await gradgradcheck(f, [a, b]);
    expect(r.ok, r.message).toBe(true);
  });
});
