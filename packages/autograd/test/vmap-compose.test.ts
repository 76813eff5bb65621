/**
 * vmap composed with grad (per-example gradients, grad of vmap, grad of vmap of grad), vjp, jvp,
 * jacrev, customVjp and itself, each against a loop over the examples; plus memory under tidy
 * and a check that the number of kernels does not grow with the batch.
 */
import {
  BatchTracer,
  backward,
  customVjp,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  valueAndGrad,
  vjp,
  vmap,
} from '@webgrad/autograd';
import { addObserver, memory, stack, type Tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { examples, expectClose, f64, mlpLoss, type Params, params } from './vmap-helpers.js';

describe('vmap composes', () => {
  it('vmap(grad(loss), inAxes [null, 0, 0]) gives per-example gradients equal to a loop of grads', () => {
    const p = params();
    const xs = f64([6, 3], 20);
    const ys = f64([6], 21);
    const perExample = vmap(grad(mlpLoss), { inAxes: [null, 0, 0] })(p, xs, ys) as Params;
    const loop = examples(xs).map((x, i) => grad(mlpLoss)(p, x, examples(ys)[i] as Tensor) as Params);
    for (const k of ['w1', 'b1', 'w2'] as const) {
      expect(perExample[k].shape).toEqual([6, ...p[k].shape]);
      expectClose(perExample[k], stack(loop.map((g) => g[k])));
    }
  });

  it('grad of vmap differentiates the batched computation', () => {
    const p = params();
    const xs = f64([5, 3], 22);
    const ys = f64([5], 23);
    const total = (p: Params) => vmap(mlpLoss, { inAxes: [null, 0, 0] })(p, xs, ys).sum();
    const g = grad(total)(p) as Params;
    const loopTotal = (p: Params) =>
      examples(xs)
        .map((x, i) => mlpLoss(p, x, examples(ys)[i] as Tensor))
        .reduce((a, b) => a.add(b));
    const expected = grad(loopTotal)(p) as Params;
    for (const k of ['w1', 'b1', 'w2'] as const) expectClose(g[k], expected[k]);
  });

  it('grad of vmap of grad (a per-example gradient norm, differentiated)', () => {
    const p = params();
    const xs = f64([4, 3], 24);
    const ys = f64([4], 25);
    const gradNorms = (p: Params, xs: Tensor, ys: Tensor) => {
      const g = vmap(grad(mlpLoss), { inAxes: [null, 0, 0] })(p, xs, ys) as Params;
      return g.w1.square().sum().add(g.w2.square().sum());
    };
    const loopNorms = (p: Params) =>
      examples(xs)
        .map((x, i) => {
          const g = grad(mlpLoss)(p, x, examples(ys)[i] as Tensor) as Params;
          return g.w1.square().sum().add(g.w2.square().sum());
        })
        .reduce((a, b) => a.add(b));
    const got = grad(gradNorms)(p, xs, ys) as Params;
    const expected = grad(loopNorms)(p) as Params;
    for (const k of ['w1', 'b1', 'w2'] as const) expectClose(got[k], expected[k]);
  });

  it('vmap of vmap maps over two axes (tracers of the two levels never mix)', () => {
    const a = f64([3, 4, 5], 26);
    const b = f64([5, 4], 27);
    const f = (u: Tensor, v: Tensor) => u.mul(v).sum().add(u.max());
    // outer over a's axis 0; inner over a's (remaining) axis 0 and b's axis 1
    const y = vmap(vmap(f, { inAxes: [0, 1] }), { inAxes: [0, null] })(a, b);
    const expected = stack(
      examples(a).map((ai) => stack(examples(ai).map((u, j) => f(u, examples(b, 1)[j] as Tensor)))),
    );
    expectClose(y, expected);
  });

  it('vjp inside vmap, and vmap inside vjp', () => {
    const xs = f64([3, 4], 28);
    const gs = f64([3, 4], 29);
    const pull = vmap((x: Tensor, g: Tensor) => vjp((t: Tensor) => t.sin().mul(t), x)[1](g)[0] as Tensor);
    expectClose(pull(xs, gs), xs.cos().mul(xs).add(xs.sin()).mul(gs));
    const [, pb] = vjp((x: Tensor) => vmap((t: Tensor) => t.sin().mul(t))(x), xs);
    expectClose(pb(gs)[0] as Tensor, xs.cos().mul(xs).add(xs.sin()).mul(gs));
  });

  it('jvp inside vmap and vmap inside jvp agree with the analytic derivative', () => {
    const xs = f64([3, 4], 30);
    const ts = f64([3, 4], 31);
    const f = (t: Tensor) => t.tanh().mul(t);
    const df = (x: Tensor, t: Tensor) =>
      x
        .tanh()
        .add(x.mul(x.tanh().square().neg().add(1)))
        .mul(t);
    const inside = vmap((x: Tensor, t: Tensor) => jvp(f, [x], [t])[1] as Tensor)(xs, ts);
    expectClose(inside, df(xs, ts));
    const [, outside] = jvp((x: Tensor) => vmap(f)(x), [xs], [ts]);
    expectClose(outside as Tensor, df(xs, ts));
  });

  it('jvp inside vmap with an unbatched primal and batched tangents (levels opened inside vmap see only per-example ops)', () => {
    const w = f64([4, 3], 35);
    const xs = f64([5, 3], 36);
    const ts = f64([5, 4, 3], 37);
    const f = (w: Tensor, x: Tensor) => w.matmul(x).tanh().sum();
    const got = vmap((x: Tensor, t: Tensor) => jvp((w: Tensor) => f(w, x), [w], [t])[1] as Tensor)(xs, ts);
    const loop = examples(xs).map((x, i) => jvp((w: Tensor) => f(w, x), [w], [examples(ts)[i] as Tensor])[1] as Tensor);
    expectClose(got, stack(loop));
    // and the same through reverse mode: per-example gradients with respect to the shared w
    const gs = vmap((x: Tensor) => grad((w: Tensor) => f(w, x))(w) as Tensor)(xs);
    expectClose(gs, stack(examples(xs).map((x) => grad((w: Tensor) => f(w, x))(w) as Tensor)));
  });

  it('backward() on a vmap result fills .grad of requiresGrad tensors used inside; inside vmap it is refused', () => {
    const xs = f64([4, 3], 41);
    const w = f64([3, 2], 42);
    w.requiresGrad = true;
    backward(vmap((x: Tensor) => x.matmul(w).tanh().sum())(xs).sum());
    const expected = grad((w: Tensor) => xs.matmul(w).tanh().sum())(w) as Tensor;
    expectClose(w.grad as Tensor, expected);
    expect(() => vmap((x: Tensor) => backward(x.matmul(w).sum()))(xs)).toThrow(/backward: cannot run inside vmap/);
  });

  it('valueAndGrad with hasAux under vmap batches the value, the aux and the gradient', () => {
    const w = f64([3, 2], 43);
    const xs = f64([4, 3], 44);
    const f = (w: Tensor, x: Tensor) => [x.matmul(w).square().sum(), x.sum()];
    const [[value, aux], g] = vmap(valueAndGrad(f, { hasAux: true }), { inAxes: [null, 0] })(w, xs) as [
      Tensor[],
      Tensor,
    ];
    const loop = examples(xs).map((x) => valueAndGrad(f, { hasAux: true })(w, x) as [Tensor[], Tensor]);
    expectClose(value as Tensor, stack(loop.map(([[v]]) => v as Tensor)));
    expectClose(aux as Tensor, stack(loop.map(([[, a]]) => a as Tensor)));
    expectClose(g, stack(loop.map(([, gi]) => gi)));
  });

  it('jacrev under vmap gives per-example Jacobians', () => {
    const xs = f64([3, 4], 32);
    const w = f64([4, 2], 33);
    const jac = vmap((x: Tensor) => jacrev((x: Tensor) => x.matmul(w).tanh())(x) as Tensor)(xs);
    const loop = examples(xs).map((x) => jacrev((x: Tensor) => x.matmul(w).tanh())(x) as Tensor);
    expectClose(jac, stack(loop));
  });

  it('hessian and jacfwd under vmap give per-example second derivatives and Jacobians', () => {
    const xs = f64([3, 4], 45);
    const w = f64([4, 2], 46);
    const f = (x: Tensor) => x.matmul(w).tanh().sum().add(x.square().sum().mul(0.5));
    const hs = vmap((x: Tensor) => hessian(f)(x) as Tensor)(xs);
    expectClose(hs, stack(examples(xs).map((x) => hessian(f)(x) as Tensor)));
    const g = (x: Tensor) => x.matmul(w).sin();
    const js = vmap((x: Tensor) => jacfwd(g)(x) as Tensor)(xs);
    expectClose(js, stack(examples(xs).map((x) => jacfwd(g)(x) as Tensor)));
  });

  it('customVjp inside vmap uses its backward rule, batched', () => {
    const square = customVjp(
      (x: Tensor) => x.mul(x),
      (g, _out, x) => [g.mul(x as Tensor).mul(2)],
    );
    const xs = f64([3, 2], 34);
    expectClose(vmap(grad((x: Tensor) => square(x).sum()))(xs) as Tensor, xs.mul(2));
  });
});

describe('vmap is vectorised', () => {
  it('runs the same number of kernels for a batch of 3 and of 40 (no loop over examples)', () => {
    const kernels = (batch: number) => {
      let count = 0;
      const stop = addObserver({
        onOp: (r) => {
          if (!(r.output instanceof BatchTracer)) count++;
        },
      });
      try {
        tidy(() => {
          vmap(grad(mlpLoss), { inAxes: [null, 0, 0] })(params(), f64([batch, 3], 1), f64([batch], 2));
        });
      } finally {
        stop();
      }
      return count;
    };
    const small = kernels(3);
    expect(small).toBeGreaterThan(10);
    expect(kernels(40)).toBe(small);
  });

  it('a jvp opened inside vmap never sees the batched ops (no batch-of-batches intermediates)', () => {
    const [w, xs, ts] = [f64([4, 3], 38), f64([5, 3], 39), f64([5, 4, 3], 40)];
    const ranks: number[] = [];
    const stop = addObserver({
      onOp: (r) => {
        if (!(r.output instanceof BatchTracer)) ranks.push(r.output.ndim);
      },
    });
    try {
      tidy(() => {
        vmap((x: Tensor, t: Tensor) => jvp((w: Tensor) => w.matmul(x).tanh().sum(), [w], [t])[1] as Tensor)(xs, ts);
      });
    } finally {
      stop();
    }
    // Per example everything is at most [4, 3]: with the batch, at most 3 dims.
    expect(Math.max(...ranks)).toBe(3);
  });
});

describe('vmap and memory', () => {
  it('leaves nothing behind inside tidy, and a tidy inside f keeps the batch of what it returns', () => {
    const x = f64([4, 3], 40);
    const live = () => memory().cpu?.tensors ?? 0;
    const before = live();
    const y = tidy(() => vmap((t: Tensor) => tidy(() => t.exp().mul(2).sum()))(x));
    expect(live() - before).toBe(1); // y
    tidy(() => {
      vmap(grad((t: Tensor) => t.sin().sum()))(x);
    });
    expect(live() - before).toBe(1);
    expectClose(y, x.exp().mul(2).sum(1));
  });
});
