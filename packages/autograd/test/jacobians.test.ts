/**
 * jacfwd, jacrev, hessian and hvp: JAX's layouts, the two modes against each other, and the
 * Hessian against a finite-difference Hessian of f itself (second central differences in float64)
 * for a sample of op-spec rows and for small compositions.
 */
import { BATCH_RULES, hessian, hvp, jacfwd, jacrev, unbatchable } from '@webgrad/autograd';
import { randn, type Tensor, tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numRuns } from '../../tensor/test/spec/compare.js';
import { materializeAll } from '../../tensor/test/spec/materialize.js';
import { opSpec } from '../../tensor/test/spec/op-specs.js';

const f64 = (v: number | number[] | number[][]) => tensor(v, { dtype: 'float64' });

function expectClose(a: Tensor, b: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  const x = a.dataSync();
  expect(x.length, what).toBe(b.length);
  for (let i = 0; i < x.length; i++) {
    const [p, q] = [x[i] as number, b[i] as number];
    if (!(Math.abs(p - q) <= atol + rtol * Math.abs(q))) throw new Error(`${what}: entry ${i} is ${p}, expected ${q}`);
  }
}

/** H_ij by second central differences of f (float64, step h): O(h^2) + O(u |f| / h^2). */
function fdHessian(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-4): Float64Array {
  const base = Float64Array.from(x.dataSync());
  const n = base.length;
  const at = (d: Float64Array) => f(tensor(d, { dtype: 'float64', shape: x.shape })).dataSync()[0] as number;
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const shifted = (si: number, sj: number) => {
        const d = Float64Array.from(base);
        d[i] = (d[i] as number) + si * h;
        d[j] = (d[j] as number) + sj * h;
        return at(d);
      };
      H[i * n + j] = (shifted(1, 1) - shifted(1, -1) - shifted(-1, 1) + shifted(-1, -1)) / (4 * h * h);
    }
  }
  return H;
}

describe('jacfwd and jacrev', () => {
  it('use the layout [...out.shape, ...in.shape] and agree', () => {
    const w = randn([4, 2, 3], { dtype: 'float64', seed: 1 });
    const f = (x: Tensor, w: Tensor) => x.reshape([4, 1, 1]).mul(w).tanh().sum(0); // [2, 3]
    const x = randn([4], { dtype: 'float64', seed: 2 });
    const jf = jacfwd(f)(x, w) as Tensor;
    const jr = jacrev(f)(x, w) as Tensor;
    expect(jf.shape).toEqual([2, 3, 4]);
    expect(jr.shape).toEqual([2, 3, 4]);
    expectClose(jf, jr.dataSync(), 1e-12, 1e-10, 'jacfwd vs jacrev');
    const [jx, jw] = jacfwd(f, { argnums: [0, 1] })(x, w) as Tensor[];
    expect((jx as Tensor).shape).toEqual([2, 3, 4]);
    expect((jw as Tensor).shape).toEqual([2, 3, 4, 2, 3]);
    const jw2 = (jacrev(f, { argnums: [0, 1] })(x, w) as Tensor[])[1] as Tensor;
    expectClose(jw as Tensor, jw2.dataSync(), 1e-12, 1e-10, 'd/dw jacfwd vs jacrev');
  });

  it('of a linear map is its matrix', () => {
    const A = f64([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const f = (x: Tensor) => A.matmul(x.reshape([3, 1])).reshape([2]);
    expectClose(jacfwd(f)(f64([1, 1, 1])) as Tensor, [1, 2, 3, 4, 5, 6], 0, 0, 'jacfwd');
    expectClose(jacrev(f)(f64([1, 1, 1])) as Tensor, [1, 2, 3, 4, 5, 6], 0, 0, 'jacrev');
  });

  it('reject a bad argnums, naming it', () => {
    expect(() => jacfwd((x: Tensor) => x, { argnums: 2 })(f64([1]))).toThrow(/argnums 2 is out of range/);
  });
});

describe('hessian', () => {
  it('is forward-over-reverse, the n jvps of grad batched by vmap: f runs once, not n^2 times', () => {
    let calls = 0;
    const f = (x: Tensor) => {
      calls++;
      return x.sin().mul(x.sum()).sum();
    };
    const x = randn([5], { dtype: 'float64', seed: 3 });
    const H = hessian(f)(x);
    expect(calls).toBe(1);
    expect(H.shape).toEqual([5, 5]);
    expectClose(H, fdHessian(f, x), 1e-5, 1e-4, 'hessian vs finite differences');
  });

  it('falls back to a loop of n forward-over-reverse passes when a primitive has no batching rule', () => {
    const rules = BATCH_RULES as Record<string, unknown>;
    const saved = rules.mul;
    rules.mul = unbatchable('(a test stand-in)');
    let calls = 0;
    const f = (x: Tensor) => {
      calls++;
      return x.sin().mul(x.sum()).sum();
    };
    const x = randn([5], { dtype: 'float64', seed: 3 });
    try {
      const H = hessian(f)(x);
      expect(calls).toBe(1 + 5); // the batched attempt, then one pass per input
      expectClose(H, fdHessian(f, x), 1e-5, 1e-4, 'looped hessian vs finite differences');
      expectClose(
        jacrev((x: Tensor) => x.sin())(x) as Tensor,
        (jacfwd((x: Tensor) => x.sin())(x) as Tensor).dataSync(),
        0,
        0,
        'looped jacobians',
      );
    } finally {
      rules.mul = saved;
    }
  });

  it('hvp is H v', () => {
    const f = (x: Tensor) => x.tanh().mul(x.exp()).sum();
    const x = randn([4], { dtype: 'float64', seed: 4 });
    const v = randn([4], { dtype: 'float64', seed: 5 });
    const H = hessian(f)(x);
    const hv = hvp(f, [x], [v]) as Tensor;
    expectClose(
      hv,
      H.matmul(v.reshape([4, 1]))
        .reshape([4])
        .dataSync(),
      1e-12,
      1e-10,
      'hvp vs H v',
    );
  });

  it('matches finite differences for small compositions', () => {
    const W = randn([3, 2], { dtype: 'float64', seed: 6 });
    const compositions: [string, (x: Tensor) => Tensor][] = [
      ['mlp', (x) => x.reshape([2, 3]).matmul(W).tanh().square().sum()],
      ['logsumexp of a product', (x) => x.reshape([2, 3]).matmul(W).logsumexp(1).sum()],
      ['softmax cross-entropy', (x) => x.reshape([2, 3]).logSoftmax(1).slice(null, [0, 1]).sum().neg()],
      ['variance times a norm', (x) => x.var().mul(x.square().sum().sqrt())],
      ['gelu of a max', (x) => x.reshape([2, 3]).max(1).gelu().sum().add(x.sigmoid().prod())],
    ];
    for (const [name, f] of compositions) {
      const x = randn([6], { dtype: 'float64', seed: 7 });
      expectClose(hessian(f)(x), fdHessian(f, x), 1e-5, 1e-4, name);
    }
  });

  const SAMPLE = [
    'exp',
    'tanh',
    'sigmoid',
    'gelu(erf)',
    'softplus',
    'reciprocal',
    'pow',
    'div',
    'prod',
    'var',
    'softmax',
    'logsumexp',
    'matmul',
  ];
  it.each(SAMPLE)('of the row %s (outputs weighted) matches finite differences', async (name) => {
    const row = opSpec(name);
    const k = (row.gradInputs as number[])[0] as number;
    await fc.assert(
      fc.asyncProperty(row.cases, async (c) => {
        const inputs = materializeAll(c, { dtype: 'float64', device: 'cpu' });
        const x = inputs[k] as Tensor;
        if (x.size === 0 || x.size > 12) return;
        const out = row.apply(inputs, c.params);
        const w = randn([...out.shape], { dtype: 'float64', seed: 8 });
        const f = (xk: Tensor) =>
          row
            .apply(
              inputs.map((t, i) => (i === k ? xk : t)),
              c.params,
            )
            .mul(w)
            .sum();
        const H = hessian(f)(x);
        expect(H.shape).toEqual([...x.shape, ...x.shape]);
        expectClose(H, fdHessian(f, x), 1e-4, 1e-3, name);
      }),
      { numRuns: numRuns(process.env.CI ? 20 : 4) },
    );
  });
});

describe('nested Jacobians', () => {
  it('jacfwd of jacfwd, jacrev of jacfwd and jacfwd of jacrev agree with hessian, inside tidy', () => {
    const w = randn([4, 4], { dtype: 'float64', seed: 9 });
    const f = (x: Tensor) =>
      w
        .matmul(x.reshape([4, 1]))
        .tanh()
        .sum()
        .add(x.logsumexp(0));
    const x = randn([4], { dtype: 'float64', seed: 10 });
    const H = hessian(f)(x).dataSync();
    const ways: [string, () => Tensor][] = [
      ['jacfwd(jacfwd)', () => jacfwd(jacfwd(f))(x) as Tensor],
      ['jacrev(jacfwd)', () => jacrev(jacfwd(f))(x) as Tensor],
      ['jacfwd(jacrev)', () => jacfwd(jacrev(f))(x) as Tensor],
      ['jacrev(jacrev)', () => jacrev(jacrev(f))(x) as Tensor],
    ];
    for (const [name, way] of ways) expectClose(tidy(way), H, 1e-12, 1e-10, name);
  });
});

describe('Jacobians of trees of tensors', () => {
  type P = { a: Tensor; b: Tensor };
  const p = () => ({ a: randn([2], { dtype: 'float64', seed: 11 }), b: randn([3, 1], { dtype: 'float64', seed: 12 }) });
  /** A tree in (a [2], b [3, 1]), a tree out: [y [3, 2], s []]. */
  const f = (q: P, scale: Tensor) => {
    const y = q.b.mul(q.a.sin()).mul(scale); // [3, 2]
    return [y, q.a.square().sum().add(q.b.tanh().sum())];
  };

  it('jacfwd and jacrev give out-tree-of-in-tree blocks [...out leaf, ...in leaf] that agree', () => {
    const q = p();
    const scale = tensor(1.5, { dtype: 'float64' });
    const jf = jacfwd(f)(q, scale) as unknown as [P, P];
    const jr = jacrev(f)(q, scale) as unknown as [P, P];
    expect(jf[0].a.shape).toEqual([3, 2, 2]);
    expect(jf[0].b.shape).toEqual([3, 2, 3, 1]);
    expect(jf[1].a.shape).toEqual([2]);
    expect(jf[1].b.shape).toEqual([3, 1]);
    for (const [i, key] of [
      [0, 'a'],
      [0, 'b'],
      [1, 'a'],
      [1, 'b'],
    ] as const) {
      expectClose(jf[i][key], jr[i][key].dataSync(), 1e-12, 1e-10, `block ${i}.${key}`);
    }
    // A block is the Jacobian of that output leaf in that input leaf alone.
    const alone = jacfwd((a: Tensor) => f({ a, b: q.b }, scale)[0] as Tensor)(q.a);
    expectClose(jf[0].a, alone.dataSync(), 0, 0, 'block 0.a vs a Tensor jacfwd');
  });

  it('hessian of a function of a tree is the tree of its Hessian blocks', () => {
    const q = p();
    const loss = (q: P) =>
      q.b
        .mul(q.a.sin().reshape([1, 2]))
        .tanh()
        .sum()
        .add(q.a.prod());
    const H = hessian(loss)(q) as unknown as { a: P; b: P };
    const flat = (v: Tensor) => loss({ a: v.slice([0, 2]), b: v.slice([2, 5]).reshape([3, 1]) });
    const v = tensor([...q.a.dataSync(), ...q.b.dataSync()], { dtype: 'float64' });
    const full = hessian(flat)(v).dataSync();
    const sub = (r0: number, r1: number, c0: number, c1: number) => {
      const out: number[] = [];
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out.push(full[r * 5 + c] as number);
      return out;
    };
    expect(H.a.b.shape).toEqual([2, 3, 1]);
    expectClose(H.a.a, sub(0, 2, 0, 2), 1e-12, 1e-10, 'H.a.a');
    expectClose(H.a.b, sub(0, 2, 2, 5), 1e-12, 1e-10, 'H.a.b');
    expectClose(H.b.a, sub(2, 5, 0, 2), 1e-12, 1e-10, 'H.b.a');
    expectClose(H.b.b, sub(2, 5, 2, 5), 1e-12, 1e-10, 'H.b.b');
  });
});
