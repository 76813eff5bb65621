import { backward, customVjp, grad, noGrad, stopGradient, valueAndGrad, vjp } from '@webgrad/autograd';
import { type Tensor, TensorError, tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (data: number[] | number[][], shape?: number[]) =>
  tensor(data, { dtype: 'float64', ...(shape ? { shape } : {}) });
const close = (t: Tensor, expected: number[], digits = 10) => {
  const got = Array.from(t.dataSync());
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => {
    expect(v).toBeCloseTo(expected[i] as number, digits);
  });
};

describe('grad', () => {
  it('differentiates a scalar function', () => {
    const x = f64([1, 2, -3]);
    const g = grad((x: Tensor) => x.mul(x).sum())(x) as Tensor;
    close(g, [2, 4, -6]);
    expect(g.shape).toEqual([3]);
    expect(g.dtype).toBe('float64');
  });

  it('keeps float32 gradients float32', () => {
    const g = grad((x: Tensor) => x.exp().sum())(tensor([0, 1])) as Tensor;
    expect(g.dtype).toBe('float32');
    close(g, [1, Math.E], 5);
  });

  it('accumulates a reused tensor (diamond)', () => {
    // f = sum(x*x + exp(x) * x): f' = 2x + exp(x)(1 + x)
    const x = f64([0.5, -1]);
    const g = grad((x: Tensor) => {
      const e = x.exp();
      return x.mul(x).add(e.mul(x)).sum();
    })(x) as Tensor;
    close(
      g,
      [0.5, -1].map((v) => 2 * v + Math.exp(v) * (1 + v)),
    );
  });

  it('sums broadcast operands back to their shapes', () => {
    const a = f64([[1], [2]]); // [2, 1]
    const b = f64([10, 20, 30]); // [3]
    const [ga, gb] = grad((a: Tensor, b: Tensor) => a.mul(b).sum(), { argnums: [0, 1] })(a, b) as Tensor[];
    expect(ga?.shape).toEqual([2, 1]);
    close(ga as Tensor, [60, 60]);
    expect(gb?.shape).toEqual([3]);
    close(gb as Tensor, [3, 3, 3]);
  });

  it('selects argnums and gives zeros to unused arguments', () => {
    const x = f64([1, 2]);
    const y = f64([3, 4]);
    const gy = grad((x: Tensor, y: Tensor) => x.mul(y).sum(), { argnums: 1 })(x, y) as Tensor;
    close(gy, [1, 2]);
    const gz = grad((x: Tensor, _y: Tensor) => x.sum(), { argnums: 1 })(x, y) as Tensor;
    close(gz, [0, 0]);
  });

  it('treats the same tensor at two argnums as two variables', () => {
    const x = f64([2]);
    const [g0, g1] = grad((a: Tensor, b: Tensor) => a.mul(b.mul(b)).sum(), { argnums: [0, 1] })(x, x) as Tensor[];
    close(g0 as Tensor, [4]); // b^2
    close(g1 as Tensor, [8]); // 2ab
  });

  it('differentiates parameter trees and returns the same structure', () => {
    const params = { w: f64([1, 2]), layers: [{ b: f64([3]) }] };
    const g = grad((p: typeof params, x: Tensor) => p.w.mul(x).sum().add(p.layers[0]!.b.mul(p.layers[0]!.b).sum()))(
      params,
      f64([5, 6]),
    ) as unknown as typeof params;
    close(g.w, [5, 6]);
    close(g.layers[0]!.b, [6]);
  });

  it('composes: grad(grad(f))', () => {
    // f = sum(x^3): f' = 3x^2, f'' = 6x
    const f = (x: Tensor) => x.mul(x).mul(x).sum();
    const df = (x: Tensor) => (grad(f)(x) as Tensor).sum();
    close(grad(df)(f64([1, -2])) as Tensor, [6, -12]);
    // third order: 6
    const ddf = (x: Tensor) => (grad(df)(x) as Tensor).sum();
    close(grad(ddf)(f64([1, -2])) as Tensor, [6, 6]);
  });

  it('handles nested grads over different variables (no perturbation confusion)', () => {
    // d/dx [x * d/dy (x * y)] = d/dx x^2 = 2x
    const g = grad((x: Tensor) => x.mul(grad((y: Tensor) => x.mul(y).sum())(f64([1])) as Tensor).sum())(f64([3]));
    close(g as Tensor, [6]);
  });
});

describe('valueAndGrad and vjp', () => {
  it('returns the value with the gradient', () => {
    const [v, g] = valueAndGrad((x: Tensor) => x.mul(x).sum())(f64([3, 4]));
    close(v, [25]);
    close(g as Tensor, [6, 8]);
  });

  it('passes aux through with hasAux', () => {
    const [[v, aux], g] = valueAndGrad((x: Tensor) => [x.sum(), x.mul(2)] as const, { hasAux: true })(f64([1, 2]));
    close(v, [3]);
    close(aux, [2, 4]);
    close(g as Tensor, [1, 1]);
  });

  it('computes vector-Jacobian products of non-scalar functions, repeatedly', () => {
    const x = f64([1, 2]);
    const y = f64([3, 4]);
    const [out, pullback] = vjp((x, y) => x.mul(y), x, y);
    close(out, [3, 8]);
    const [gx, gy] = pullback(f64([1, 10]));
    close(gx as Tensor, [3, 40]);
    close(gy as Tensor, [1, 20]);
    const [gx2] = pullback(f64([2, 0]));
    close(gx2 as Tensor, [6, 0]);
    expect(() => pullback(f64([1]))).toThrow(/cotangent/);
  });
});

describe('noGrad, stopGradient, customVjp', () => {
  it('stopGradient makes a constant', () => {
    const g = grad((x: Tensor) => x.mul(stopGradient(x)).sum())(f64([3])) as Tensor;
    close(g, [3]);
  });

  it('noGrad records nothing', () => {
    const w = f64([2]);
    w.requiresGrad = true;
    const y = noGrad(() => w.mul(w).sum());
    expect(() => backward(y)).toThrow(/requiresGrad/);
  });

  it('uses the hand-written backward of customVjp', () => {
    // forward: x^2, backward deliberately 10 * g (not the true derivative) to prove it is used
    const sq = customVjp(
      (x) => x.mul(x),
      (g) => [g.mul(10)],
    );
    close(grad((x: Tensor) => sq(x).sum())(f64([1, 2])) as Tensor, [10, 10]);
    const sq2 = customVjp(
      (x) => x.mul(x),
      (g, _out, x) => [g.mul(x).mul(2)],
    );
    // second order through a custom backward written with tensor ops: d/dx 2x = 2
    const d1 = (x: Tensor) => (grad((x: Tensor) => sq2(x).sum())(x) as Tensor).sum();
    close(grad(d1)(f64([1, 2])) as Tensor, [2, 2]);
  });
});

describe('backward (PyTorch style)', () => {
  it('fills .grad, accumulates across calls and releases the graph', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    const x = f64([3, 4]);
    const loss = w.mul(x).sum();
    backward(loss);
    close(w.grad as Tensor, [3, 4]);
    expect(x.grad).toBeUndefined();
    expect(() => backward(loss)).toThrow(/already released/);
    backward(w.mul(w).sum());
    close(w.grad as Tensor, [5, 8]);
  });

  it('accepts a seed for non-scalar outputs and rejects non-scalar losses without one', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    expect(() => backward(w.mul(2))).toThrow(TensorError);
    backward(w.mul(w), f64([1, 0.5]));
    close(w.grad as Tensor, [2, 2]);
  });

  it('keeps .grad alive past an enclosing tidy', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    tidy(() => {
      backward(w.exp().sum());
    });
    expect(w.grad?.isDisposed).toBe(false);
    close(w.grad as Tensor, [Math.E, Math.exp(2)]);
  });

  it('names the op when a tensor the backward needs was disposed', () => {
    const w = f64([1, 2]);
    w.requiresGrad = true;
    const loss = tidy(() => w.exp().mul(w).sum());
    expect(() => backward(loss)).toThrow(/mul needs .* disposed .* same tidy/);
  });
});

describe('errors', () => {
  it('rejects non-scalar outputs and non-float arguments', () => {
    expect(() => grad((x: Tensor) => x.mul(2))(f64([1, 2]))).toThrow(/scalar/);
    expect(() => grad((x: Tensor) => x.sum())(tensor([1, 2], { dtype: 'int32' }))).toThrow(/int32.*float/);
    expect(() => grad((x: unknown) => x as Tensor)(3 as unknown)).toThrow(/Tensors/);
  });
});
