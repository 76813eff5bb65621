/**
 * vmap: the API (inAxes/outAxes forms, pytrees, errors, unreadable tracers, memory) and its
 * composition with grad, vjp, jvp and itself. The per-primitive laws (vmap equals stacking
 * f(x_i) for every op-spec row, vmap of grad equals a loop of grads) are in
 * vmap-ops.property.test.ts.
 */
import {
  BATCH_RULES,
  BatchTracer,
  customVjp,
  grad,
  jacrev,
  jvp,
  stopGradient,
  unbatchable,
  vjp,
  vmap,
} from '@webgrad/autograd';
import { addObserver, memory, randn, stack, type Tensor, TensorError, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

/** The examples of `x` along `axis`, each without that axis. */
function examples(x: Tensor, axis = 0): Tensor[] {
  return Array.from({ length: x.shape[axis] as number }, (_, i) => {
    const ranges = x.shape.map((_, k) => (k === axis ? i : null));
    return x.slice(...ranges).squeeze(axis);
  });
}

function expectClose(a: Tensor, b: Tensor, tol = 1e-9): void {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  x.forEach((v, i) => {
    expect(Math.abs(v - (y[i] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i] as number)));
  });
}

const f64 = (shape: number[], seed: number) => randn(shape, { seed, dtype: 'float64' });

/** A small MLP loss: params {w1, b1, w2}, one example x [3] with target y []. */
type Params = { w1: Tensor; b1: Tensor; w2: Tensor };
const mlpLoss = (p: Params, x: Tensor, y: Tensor) => x.matmul(p.w1).add(p.b1).tanh().matmul(p.w2).sub(y).square().sum();
const params = (): Params => ({ w1: f64([3, 4], 1), b1: f64([4], 2), w2: f64([4], 3) });

describe('vmap', () => {
  it('maps an elementwise function over the leading axis', () => {
    const x = f64([5, 3], 4);
    const f = (t: Tensor) => t.tanh().mul(t).add(1);
    expectClose(vmap(f)(x), stack(examples(x).map(f)));
  });

  it('gives f per-example shapes; unbatched arguments (inAxes null) are shared', () => {
    const w = f64([3, 4], 5);
    const x = f64([6, 3], 6);
    const seen: number[][] = [];
    const f = (w: Tensor, v: Tensor) => {
      seen.push([...v.shape]);
      return v.matmul(w).softmax(-1);
    };
    const y = vmap(f, { inAxes: [null, 0] })(w, x);
    expect(seen[0]).toEqual([3]);
    expectClose(y, stack(examples(x).map((v) => f(w, v))));
  });

  it('takes negative in axes and places the batch where outAxes says', () => {
    const a = f64([4, 3], 7);
    const b = f64([3, 4], 8);
    const g = (u: Tensor, v: Tensor) => u.reshape([3, 1]).mul(v.reshape([1, 3]));
    const y = vmap(g, { inAxes: [0, -1], outAxes: -1 })(a, b);
    const bs = examples(b, 1);
    expectClose(
      y,
      stack(
        examples(a).map((u, i) => g(u, bs[i] as Tensor)),
        2,
      ),
    );
  });

  it('maps over trees: inAxes and outAxes as prefixes of the argument and output trees', () => {
    const p = { w: f64([2, 3], 9), s: f64([4], 10) };
    const xs = [f64([4, 3], 11), f64([3, 4], 12)];
    const f = (p: { w: Tensor; s: Tensor }, pair: Tensor[]) => {
      const [u, v] = pair as [Tensor, Tensor];
      return { y: p.w.matmul(u.mul(v)).mul(p.s), norm: u.square().sum() };
    };
    const out = vmap(f, { inAxes: [{ w: null, s: 0 }, [0, 1]], outAxes: { y: 1, norm: 0 } })(p, xs) as {
      y: Tensor;
      norm: Tensor;
    };
    const [us, vs, ss] = [examples(xs[0] as Tensor), examples(xs[1] as Tensor, 1), examples(p.s)];
    const loop = us.map((u, i) => f({ w: p.w, s: ss[i] as Tensor }, [u, vs[i] as Tensor]));
    expectClose(
      out.y,
      stack(
        loop.map((o) => o.y),
        1,
      ),
    );
    expectClose(out.norm, stack(loop.map((o) => o.norm)));
  });

  it('broadcasts an output that does not depend on the batch; outAxes null keeps it unbatched', () => {
    const c = f64([2], 13);
    const x = f64([3, 2], 14);
    const [a, b] = vmap((x: Tensor, c: Tensor) => [x.add(c), c.mul(2)], { inAxes: [0, null] })(x, c) as Tensor[];
    expect(a?.shape).toEqual([3, 2]);
    expectClose(b as Tensor, stack([0, 1, 2].map(() => c.mul(2))));
    const [, kept] = vmap((x: Tensor, c: Tensor) => [x.add(c), c.mul(2)], { inAxes: [0, null], outAxes: [0, null] })(
      x,
      c,
    ) as Tensor[];
    expect(kept?.shape).toEqual([2]);
  });

  it('passes non-Tensor arguments through where inAxes is null', () => {
    const x = f64([3, 2], 15);
    const y = vmap((x: Tensor, k: number) => x.mul(k), { inAxes: [0, null] })(x, 3);
    expectClose(y, x.mul(3));
  });

  it('stopGradient and softmax (detach inside) work on tracers', () => {
    const x = f64([4, 5], 16);
    const f = (t: Tensor) => stopGradient(t).mul(t).logSoftmax(-1);
    expectClose(vmap(f)(x), stack(examples(x).map(f)));
  });
});

describe('vmap errors', () => {
  it('names the arguments and sizes when batch sizes disagree', () => {
    const call = () => vmap((a: Tensor, b: Tensor) => a.add(b))(f64([3, 2], 1), f64([4, 2], 2));
    expect(call).toThrow(TensorError);
    expect(call).toThrow(/argument 0 has 3 on axis 0, argument 1 has 4 on axis 0/);
  });

  it('rejects an axis out of range, naming the argument and its shape', () => {
    expect(() => vmap((a: Tensor) => a, { inAxes: 2 })(f64([3, 2], 1))).toThrow(
      /inAxes 2 is out of range for argument 0 of shape \[3, 2\]/,
    );
    expect(() => vmap((a: Tensor) => a, { inAxes: -3 })(f64([3, 2], 1))).toThrow(TensorError);
    expect(() => vmap((a: Tensor) => a.sum(), { outAxes: 1 })(f64([3, 2], 1))).toThrow(/outAxes 1 is out of range/);
  });

  it('needs one batched argument, and inAxes matching the arguments', () => {
    expect(() => vmap((a: Tensor) => a, { inAxes: null })(f64([3], 1))).toThrow(/marks no argument as batched/);
    expect(() => vmap((a: Tensor) => a, { inAxes: [0, 0] })(f64([3], 1))).toThrow(/2 entries for 1 arguments/);
    expect(() => vmap((p: { w: Tensor }) => p.w, { inAxes: [[0]] })({ w: f64([3], 1) })).toThrow(
      /structures must match/,
    );
  });

  it('refuses outAxes null for an output that depends on the batch', () => {
    expect(() => vmap((a: Tensor) => a.exp(), { outAxes: null })(f64([3], 1))).toThrow(
      /outAxes is null for the output/,
    );
  });

  it('cannot read values inside vmap', () => {
    const x = f64([3, 2], 1);
    expect(() => vmap((t: Tensor) => t.dataSync())(x)).toThrow(/cannot read values inside vmap \(dataSync\(\)/);
    expect(() => vmap((t: Tensor) => t.item())(x)).toThrow(TensorError);
    expect(() => vmap((t: Tensor) => t.array())(x)).toThrow(/cannot read values inside vmap/);
  });

  it('a tracer kept past its vmap fails clearly when used', () => {
    let leaked: Tensor | undefined;
    vmap((t: Tensor) => {
      leaked = t.exp();
      return t;
    })(f64([3, 2], 1));
    expect(() => (leaked as Tensor).add(1)).toThrow(/escaped the vmap that made it/);
  });

  it('a primitive without a batching rule says so by name at the vmap call', () => {
    const rules = BATCH_RULES as Record<string, unknown>;
    const saved = rules.erf;
    rules.erf = unbatchable('(a test stand-in)');
    try {
      expect(() => vmap((t: Tensor) => t.exp().erf())(f64([3, 2], 1))).toThrow(
        /vmap: erf has no batching rule: \(a test stand-in\)/,
      );
    } finally {
      rules.erf = saved;
    }
    expect(vmap((t: Tensor) => t.erf())(f64([3, 2], 1)).shape).toEqual([3, 2]);
  });

  it('shape errors inside f name per-example shapes', () => {
    expect(() => vmap((a: Tensor, b: Tensor) => a.matmul(b))(f64([5, 2, 3], 1), f64([5, 2, 3], 2))).toThrow(
      /\[2, 3\] @ \[2, 3\]/,
    );
  });
});

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

  it('jacrev under vmap gives per-example Jacobians', () => {
    const xs = f64([3, 4], 32);
    const w = f64([4, 2], 33);
    const jac = vmap((x: Tensor) => jacrev((x: Tensor) => x.matmul(w).tanh())(x) as Tensor)(xs);
    const loop = examples(xs).map((x) => jacrev((x: Tensor) => x.matmul(w).tanh())(x) as Tensor);
    expectClose(jac, stack(loop));
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
