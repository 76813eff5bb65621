/**
 * vmap: the API (inAxes/outAxes forms, pytrees, errors, unreadable tracers). Composition with
 * grad, vjp, jvp and itself, memory and vectorisation: vmap-compose.test.ts. The per-primitive
 * laws (vmap equals stacking f(x_i) for every op-spec row, vmap of grad equals a loop of grads):
 * vmap-ops.property.test.ts.
 */
import { BATCH_RULES, stopGradient, unbatchable, vmap } from '@webgrad/autograd';
import { stack, type Tensor, TensorError } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { examples, expectClose, f64 } from './vmap-helpers.js';

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
