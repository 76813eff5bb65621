/**
 * jvp, linearize, customJvp and their composition with grad, vjp, customVjp and pytrees:
 * known derivatives, nesting (perturbation confusion), errors and memory.
 */
import { customJvp, customVjp, grad, jvp, linearize, noGrad, stopGradient, vjp } from '@webgrad/autograd';
import { memory, onesLike, type Tensor, TensorError, tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (v: number | number[] | number[][]) => tensor(v, { dtype: 'float64' });

function close(t: Tensor, expected: number[], digits = 10): void {
  const got = Array.from(t.dataSync());
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i] as number, digits);
  });
}

describe('jvp', () => {
  it('gives J v for an elementwise composition', () => {
    const x = f64([0.5, 1.5, -1]);
    const v = f64([1, 2, 3]);
    const [y, dy] = jvp((x: Tensor) => x.sin().mul(x), [x], [v]);
    const xs = [0.5, 1.5, -1];
    close(
      y,
      xs.map((a) => Math.sin(a) * a),
    );
    close(
      dy,
      xs.map((a, i) => (Math.cos(a) * a + Math.sin(a)) * [1, 2, 3][i]!),
    );
  });

  it('takes and returns pytrees, with several arguments', () => {
    const w = f64([
      [1, 2],
      [3, 4],
    ]);
    const b = f64([1, -1]);
    const x = f64([2, 3]);
    const f = (p: { w: Tensor; b: Tensor }, x: Tensor) => ({
      y: p.w
        .matmul(x.reshape([2, 1]))
        .reshape([2])
        .add(p.b),
      s: [x.sum()],
    });
    const tw = f64([
      [1, 0],
      [0, 1],
    ]);
    const tb = f64([0, 0]);
    const tx = f64([1, 1]);
    const [out, t] = jvp(f, [{ w, b }, x], [{ w: tw, b: tb }, tx]);
    close(out.y, [9, 17]);
    // d(Wx + b) = tW x + W tx + tb
    close(t.y, [2 + 3, 3 + 7]);
    close((t.s as Tensor[])[0] as Tensor, [2]);
  });

  it('gives a zero tangent for outputs that do not depend on the inputs, and for casts to int32', () => {
    const x = f64([1, 2]);
    const [, t] = jvp((x: Tensor) => [f64([5, 6]), x.cast('int32').cast('float64')], [x], [onesLike(x)]);
    close((t as Tensor[])[0] as Tensor, [0, 0]);
    close((t as Tensor[])[1] as Tensor, [0, 0]);
  });

  it('passes aux through with hasAux', () => {
    const x = f64([1, 2]);
    const f = (x: Tensor): [Tensor, { note: string; h: Tensor }] => [x.square(), { note: 'kept', h: x.exp() }];
    const [y, t, aux] = jvp(f, [x], [onesLike(x)], { hasAux: true });
    close(y, [1, 4]);
    close(t, [2, 4]);
    expect(aux.note).toBe('kept');
    close(aux.h, [Math.E, Math.exp(2)]);
    expect(() => jvp((x: Tensor) => [x] as never, [x], [onesLike(x)], { hasAux: true })).toThrow(/\[out, aux\]/);
  });

  it('treats the same tensor passed twice as two variables', () => {
    const x = f64([3]);
    const [, t] = jvp((a: Tensor, b: Tensor) => a.mul(b), [x, x], [f64([1]), f64([0])]);
    close(t, [3]); // d(ab) along (1, 0) = b
  });

  it('rejects tangents that do not match their primals, naming the argument', () => {
    const x = f64([1, 2]);
    expect(() => jvp((x: Tensor) => x, [x], [f64([1, 2, 3])])).toThrow(/tangent of primal 0.*\[3\].*must match/);
    expect(() => jvp((x: Tensor) => x, [x], [tensor([1, 2])])).toThrow(TensorError);
    expect(() => jvp((x: Tensor) => x, [x], [])).toThrow(/same length/);
  });

  it('frees the tangents of intermediates when the call returns', () => {
    const x = f64([0.1, 0.2, 0.3]);
    const v = onesLike(x);
    const before = memory().cpu?.tensors ?? 0;
    const [y, t] = jvp((x: Tensor) => x.exp().sin().mul(x).tanh(), [x], [v]);
    const after = memory().cpu?.tensors ?? 0;
    // Left: the argument's alias, the four ops' primal results (freeing primals is the caller's
    // business: tidy) and the output's tangent. The tangents of the intermediates and the
    // temporaries of the rules are freed.
    expect(after - before).toBe(6);
    expect(t.isDisposed).toBe(false);
    expect(v.isDisposed).toBe(false);
    y.dispose();
    t.dispose();
  });
});

describe('nesting', () => {
  const a = () => f64(2);
  const one = () => f64(1);

  it('jvp of jvp: d/dx d/dy (x y) = 1 (no perturbation confusion)', () => {
    const x = a();
    const [, t] = jvp((x: Tensor) => jvp((y: Tensor) => x.mul(y), [a()], [one()])[1], [x], [one()]);
    close(t, [1]);
  });

  it('jvp of jvp on the same tensor: d/dx (x * d/dy (x y) at y = x) = 2x... = d/dx (x * x) with the inner x fixed', () => {
    // Inner: g(x) = d/dy (x * y)|_{y=x} = x (the outer x is a constant for the inner level).
    // Outer: d/dx g(x) = 1. Confusing the levels would give 2.
    const x = a();
    const [, t] = jvp((x: Tensor) => jvp((y: Tensor) => x.mul(y), [x], [one()])[1], [x], [one()]);
    close(t, [1]);
  });

  it("Siskind and Pearlmutter's example: d/dx [x * d/dy (x + y) at y = 1] at x = 1 is 1, not 2", () => {
    const inner = (x: Tensor) => jvp((y: Tensor) => x.add(y), [f64(1)], [one()])[1];
    const [, t] = jvp((x: Tensor) => x.mul(inner(x)), [f64(1)], [one()]);
    close(t, [1]);
    // The same with grad inside jvp and jvp inside grad.
    const viaGrad = (x: Tensor) => grad((y: Tensor) => x.add(y).sum())(f64(1)) as Tensor;
    close(jvp((x: Tensor) => x.mul(viaGrad(x)), [f64(1)], [one()])[1], [1]);
    close(grad((x: Tensor) => x.mul(inner(x)).sum())(f64(1)) as Tensor, [1]);
  });

  it('grad and jvp of the same tensor at two levels keep their variables apart', () => {
    // h(x) = d/dy [x y^2] at y = x is 2 x^2 (x constant inside); h'(x) = 4x.
    const h = (x: Tensor) => grad((y: Tensor) => x.mul(y.square()).sum())(x) as Tensor;
    const x = f64([1.5]);
    close(jvp(h, [x], [onesLike(x)])[1], [6]);
    close(grad((x: Tensor) => h(x).sum())(x) as Tensor, [6]);
  });

  it('stopGradient and noGrad stop tangents, as they stop gradients', () => {
    const x = f64([2]);
    close(jvp((x: Tensor) => x.mul(stopGradient(x)), [x], [onesLike(x)])[1], [2]);
    close(jvp((x: Tensor) => x.add(noGrad(() => x.square())), [x], [onesLike(x)])[1], [1]);
    // A jvp opened inside noGrad works (like grad inside noGrad).
    close(
      noGrad(() => jvp((x: Tensor) => x.square(), [x], [onesLike(x)])[1]),
      [4],
    );
  });

  it('second derivative by jvp of jvp', () => {
    const x = f64([0.7]);
    const d = (x: Tensor) => jvp((x: Tensor) => x.pow(3), [x], [onesLike(x)])[1];
    const [, d2] = jvp(d, [x], [onesLike(x)]);
    close(d2, [6 * 0.7]);
  });

  it('jvp of grad is a Hessian-vector product (forward-over-reverse)', () => {
    const x = f64([0.5, -1, 2]);
    const v = f64([1, 2, 3]);
    const g = grad((x: Tensor) => x.pow(3).sum()) as (x: Tensor) => Tensor;
    const [gx, hv] = jvp(g, [x], [v]);
    close(gx, [0.75, 3, 12]);
    close(hv, [3, -12, 36]);
  });

  it('grad of jvp (reverse-over-forward) equals jvp of grad', () => {
    const x = f64([0.3, -0.4]);
    const v = f64([2, -1]);
    const f = (x: Tensor) => x.tanh().mul(x.exp()).sum();
    const rof = grad((x: Tensor) => jvp(f, [x], [v])[1])(x) as Tensor;
    const [, fwr] = jvp(grad(f) as (x: Tensor) => Tensor, [x], [v]);
    close(rof, Array.from(fwr.dataSync()));
  });

  it('grad of grad of jvp, and jvp inside vjp', () => {
    const x = f64([0.9]);
    // d/dx of x^4 along 1 = 4x^3; its second derivative 24x
    const h = grad((x: Tensor) =>
      (grad((x: Tensor) => jvp((x: Tensor) => x.pow(4).sum(), [x], [onesLike(x)])[1])(x) as Tensor).sum(),
    )(x) as Tensor;
    close(h, [24 * 0.9]);
    const [, pb] = vjp((x: Tensor) => jvp((x: Tensor) => x.square(), [x], [onesLike(x)])[1], x);
    close(pb(f64([1]))[0] as Tensor, [2]);
  });
});

describe('linearize', () => {
  it('evaluates f once and agrees with jvp for several tangents', () => {
    let calls = 0;
    const f = (x: Tensor, w: Tensor) => {
      calls++;
      return x.matmul(w).tanh().mul(x.sum());
    };
    const x = f64([[0.1, 0.2, 0.3]]);
    const w = f64([
      [1, 0],
      [0, 1],
      [1, -1],
    ]);
    const [out, fJvp] = linearize(f, x, w);
    expect(calls).toBe(1);
    for (const s of [1, -2]) {
      const tx = f64([[s, 1, 0]]);
      const tw = f64([
        [0, s],
        [1, 0],
        [0, 0],
      ]);
      const lin = fJvp(tx, tw);
      const [y, t] = jvp(f, [x, w], [tx, tw]);
      close(lin, Array.from(t.dataSync()));
      close(out, Array.from(y.dataSync()));
    }
    expect(calls).toBe(3);
  });

  it('frees the tangents of intermediates after each call', () => {
    const x = f64([0.1, 0.2, 0.3]);
    const [, fJvp] = linearize((x: Tensor) => x.exp().sin().mul(x).tanh().sum(), x);
    const v = onesLike(x);
    const before = memory().cpu?.tensors ?? 0;
    const ts = [fJvp(v), fJvp(v), fJvp(v)];
    expect((memory().cpu?.tensors ?? 0) - before).toBe(3);
    close(ts[2] as Tensor, Array.from((ts[0] as Tensor).dataSync()));
  });

  it('uses customJvp rules, and refuses customVjp ops by name', () => {
    const double = customJvp(
      (x: Tensor) => x.mul(2),
      ([t]) => (t as Tensor).mul(3), // deliberately not 2: the rule must be the one used
    );
    const [, fJvp] = linearize((x: Tensor) => double(x).sum(), f64([1, 2]));
    close(fJvp(f64([1, 1])), [6]);
    const sq = customVjp(
      (x: Tensor) => x.mul(x),
      (g, _out, x) => [g.mul(x).mul(2)],
      { name: 'mySquare' },
    );
    const [, lin] = linearize((x: Tensor) => sq(x), f64([1]));
    expect(() => lin(f64([1]))).toThrow(/customVjp op 'mySquare' has no forward-mode rule/);
  });
});

describe('customJvp and customVjp under forward mode', () => {
  it('jvp uses the hand-written rule; grad still differentiates the forward ops', () => {
    const softplus = customJvp(
      (x: Tensor) => x.exp().add(1).log(),
      ([t], _out, x) => (t as Tensor).mul((x as Tensor).sigmoid()),
      { name: 'softplus' },
    );
    const x = f64([-1, 0, 2]);
    const [, t] = jvp(softplus, [x], [onesLike(x)]);
    const sig = [-1, 0, 2].map((a) => 1 / (1 + Math.exp(-a)));
    close(t, sig);
    close(grad((x: Tensor) => softplus(x).sum())(x) as Tensor, sig);
    // forward-over-reverse through it (grad's ops are ordinary ops)
    const [, hv] = jvp(grad((x: Tensor) => softplus(x).sum()) as (x: Tensor) => Tensor, [x], [onesLike(x)]);
    close(
      hv,
      sig.map((s) => s * (1 - s)),
    );
  });

  it('a customJvp that returns its input gets its own tangent', () => {
    const id = customJvp(
      (x: Tensor) => x,
      ([t]) => (t as Tensor).mul(5),
    );
    const [, t] = jvp((x: Tensor) => id(x).add(x), [f64([1])], [f64([1])]);
    close(t, [6]);
  });

  it('jvp through a customVjp-only op raises a TensorError naming it', () => {
    const clipGrad = customVjp(
      (x: Tensor) => x.mul(1),
      (g) => [g.clip(-1, 1)],
      { name: 'clipGrad' },
    );
    let err: unknown;
    try {
      jvp((x: Tensor) => clipGrad(x), [f64([1])], [f64([1])]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TensorError);
    expect(String((err as Error).message)).toMatch(/customVjp op 'clipGrad' has no forward-mode rule.*customJvp/);
    // Not under jvp, it works as before.
    expect(clipGrad(f64([2])).dataSync()[0]).toBe(2);
  });
});

describe('tidy', () => {
  it('jvp inside tidy keeps what it returns', () => {
    const x = f64([1, 2]);
    const [y, t] = tidy(() => jvp((x: Tensor) => x.square(), [x], [onesLike(x)]));
    close(y, [1, 4]);
    close(t, [2, 4]);
  });
});

describe('empty reductions', () => {
  it('the mean over an empty axis is a NaN constant: its tangent is 0 (an empty Jacobian), like its cotangent', () => {
    const x = tensor(new Float64Array(0), { dtype: 'float64', shape: [2, 0] });
    const [y, t] = jvp((x: Tensor) => x.mean(1), [x], [onesLike(x)]);
    expect(Array.from(y.dataSync())).toEqual([Number.NaN, Number.NaN]);
    expect(Array.from(t.dataSync())).toEqual([0, 0]);
    const [, pullback] = vjp((x: Tensor) => x.mean(1), x);
    expect(pullback(onesLike(y))[0]?.shape).toEqual([2, 0]);
  });
});
