import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backward } from '@webgrad/autograd';
import {
  Adam,
  AdamW,
  clipGradNorm,
  cosine,
  flattenOptimizerState,
  Linear,
  linearWarmup,
  loadSafetensors,
  mseLoss,
  readSafetensorsMetadata,
  SGD,
  saveSafetensors,
  unflattenOptimizerState,
} from '@webgrad/nn';
import { memory, randn, type Tensor, tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const f64 = (v: number[]) => tensor(v, { dtype: 'float64' });
const param = (v: number[]) => {
  const p = f64(v);
  p.requiresGrad = true;
  return p;
};
const vals = (t: Tensor) => Array.from(t.dataSync());

/** Runs `steps` updates with hand-set gradients and returns the parameter after each. */
function run(opt: { step(): void; zeroGrad(): void }, p: Tensor, grads: number[][]): number[][] {
  return grads.map((g) => {
    p.grad = f64(g);
    opt.step();
    opt.zeroGrad();
    return vals(p);
  });
}

describe('SGD', () => {
  it('momentum, dampening and weight decay follow the PyTorch update, step by step', () => {
    const p = param([1, -2]);
    const [lr, mu, damp, wd] = [0.1, 0.9, 0.2, 0.01];
    const got = run(new SGD([p], { lr, momentum: mu, dampening: damp, weightDecay: wd }), p, [
      [0.5, 3],
      [-1, 0.25],
    ]);
    // Step 1: g = grad + wd p; buf = g (no dampening on the first step); p -= lr buf.
    const g1 = [0.5 + wd * 1, 3 + wd * -2];
    const p1 = [1 - lr * (g1[0] as number), -2 - lr * (g1[1] as number)];
    expect(got[0]).toEqual(p1);
    // Step 2: buf = mu buf + (1 - damp) g.
    const g2 = [-1 + wd * (p1[0] as number), 0.25 + wd * (p1[1] as number)];
    const buf2 = g1.map((b, i) => mu * b + (1 - damp) * (g2[i] as number));
    const p2 = p1.map((v, i) => v - lr * (buf2[i] as number));
    for (const [i, v] of (got[1] ?? []).entries()) expect(v).toBeCloseTo(p2[i] as number, 15);
  });

  it('nesterov uses g + mu buf', () => {
    const p = param([1]);
    const got = run(new SGD([p], { lr: 0.5, momentum: 0.9, nesterov: true }), p, [[2], [1]]);
    // Step 1: buf = 2, g = 2 + 0.9 * 2 = 3.8, p = 1 - 1.9 = -0.9.
    expect(got[0]?.[0]).toBeCloseTo(-0.9, 15);
    // Step 2: buf = 0.9 * 2 + 1 = 2.8, g = 1 + 0.9 * 2.8 = 3.52, p = -0.9 - 1.76.
    expect(got[1]?.[0]).toBeCloseTo(-2.66, 14);
    expect(() => new SGD([p], { nesterov: true })).toThrowError(/nesterov needs momentum > 0/);
  });
});

/** PyTorch's Adam/AdamW, written out on plain numbers. */
function adamRef(
  p: number[],
  grads: number[][],
  o: { lr: number; wd: number; decoupled: boolean; b1: number; b2: number; eps: number },
) {
  let m = p.map(() => 0);
  let v = p.map(() => 0);
  return grads.map((grad, s) => {
    const t = s + 1;
    const g = o.decoupled ? grad : grad.map((x, i) => x + o.wd * (p[i] as number));
    if (o.decoupled) p = p.map((x) => x * (1 - o.lr * o.wd));
    m = m.map((x, i) => o.b1 * x + (1 - o.b1) * (g[i] as number));
    v = v.map((x, i) => o.b2 * x + (1 - o.b2) * (g[i] as number) ** 2);
    const stepSize = o.lr / (1 - o.b1 ** t);
    p = p.map(
      (x, i) => x - (stepSize * (m[i] as number)) / (Math.sqrt(v[i] as number) / Math.sqrt(1 - o.b2 ** t) + o.eps),
    );
    return p;
  });
}

describe('Adam and AdamW', () => {
  const grads = [
    [0.5, 3],
    [-1, 0.25],
    [0.1, -2],
  ];
  it('AdamW: first step by hand is p (1 - lr wd) - lr g / (|g| + eps)', () => {
    const p = param([1, -2]);
    const [first] = run(new AdamW([p], { lr: 0.1, weightDecay: 0.1 }), p, grads.slice(0, 1));
    expect(first?.[0]).toBeCloseTo(0.99 - (0.1 * 0.5) / (0.5 + 1e-8), 15);
    expect(first?.[1]).toBeCloseTo(-1.98 - (0.1 * 3) / (3 + 1e-8), 15);
  });

  for (const decoupled of [false, true]) {
    it(`${decoupled ? 'AdamW' : 'Adam'} matches the reference formulas over three steps`, () => {
      const p = param([1, -2]);
      const Opt = decoupled ? AdamW : Adam;
      const got = run(new Opt([p], { lr: 0.05, weightDecay: 0.1, betas: [0.8, 0.9], eps: 1e-6 }), p, grads);
      const ref = adamRef([1, -2], grads, { lr: 0.05, wd: 0.1, decoupled, b1: 0.8, b2: 0.9, eps: 1e-6 });
      for (const [s, row] of got.entries())
        for (const [i, v] of row.entries()) expect(v).toBeCloseTo(ref[s]?.[i] as number, 14);
    });
  }

  it('param groups keep their own lr; the lr setter sets all; zeroGrad disposes grads', () => {
    const a = param([1]);
    const b = param([1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    a.grad = f64([1]);
    b.grad = f64([1]);
    const ga = a.grad;
    opt.step();
    expect([vals(a)[0], vals(b)[0]]).toEqual([0.9, 0]);
    opt.zeroGrad();
    expect([a.grad, ga.isDisposed]).toEqual([undefined, true]);
    opt.lr = 0.5;
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.5, 0.5]);
    expect(() => new SGD([a, a])).toThrowError(/appears twice/);
  });

  it('dispose frees the moment buffers and grads, not the parameters', () => {
    const p = param([1, 2]);
    const opt = new Adam([p], { lr: 0.1 });
    const before = memory().cpu?.tensors ?? 0;
    p.grad = f64([1, 1]);
    opt.step();
    const buffers = Object.values(opt.stateDict().state[0]?.buffers ?? {});
    expect(buffers.length).toBe(2); // exp_avg, exp_avg_sq (detached views of the state)
    for (const b of buffers) b.dispose();
    expect((memory().cpu?.tensors ?? 0) - before).toBe(3); // the grad and two moments
    opt.dispose();
    expect([p.grad, p.isDisposed, memory().cpu?.tensors ?? 0]).toEqual([undefined, false, before]);
    p.grad = f64([1, 1]);
    opt.step(); // fresh state: the first Adam step moves each coordinate by lr
    for (const [i, v] of vals(p).entries()) expect(v).toBeCloseTo(([1, 2][i] as number) - 2 * 0.1, 6);
  });
});

describe('optimizer state resume', () => {
  const setup = () => {
    const model = new Linear(3, 2, { seed: 1, dtype: 'float64' });
    return { model, opt: new AdamW(model.parameters(), { lr: 0.05, weightDecay: 0.1 }) };
  };
  const x = randn([4, 3], { seed: 2, dtype: 'float64' });
  const y = randn([4, 2], { seed: 3, dtype: 'float64' });
  const train = ({ model, opt }: ReturnType<typeof setup>, n: number) => {
    for (let i = 0; i < n; i++)
      tidy(() => {
        backward(mseLoss(model.forward(x), y));
        opt.step();
        opt.zeroGrad();
      });
  };

  it('save after 3 steps, train 3 more == restore into a fresh run, train 3: bit-identical', () => {
    const a = setup();
    train(a, 3);
    const modelState = a.model.stateDict();
    const optState = a.opt.stateDict();
    train(a, 3);
    const b = setup();
    b.model.loadStateDict(modelState);
    b.opt.loadStateDict(optState);
    train(b, 3);
    expect(optState.state[0]?.step).toBe(3);
    for (const [k, t] of Object.entries(a.model.stateDict()))
      expect(vals(b.model.stateDict()[k] as Tensor)).toEqual(vals(t));
    // A fresh run from scratch with 3 steps is different: the restore carried real state.
    const c = setup();
    c.model.loadStateDict(modelState);
    train(c, 3);
    expect(vals(c.model.weight)).not.toEqual(vals(a.model.weight));
  });

  it('resumes exactly from safetensors files (model + flattened optimizer state)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'webgrad-opt-'));
    try {
      const a = setup();
      train(a, 3);
      const opt = flattenOptimizerState(a.opt.stateDict());
      await saveSafetensors(join(dir, 'model.safetensors'), a.model.stateDict());
      await saveSafetensors(join(dir, 'opt.safetensors'), opt.tensors, opt.metadata);
      train(a, 3);
      const b = setup();
      b.model.loadStateDict(await loadSafetensors(join(dir, 'model.safetensors')));
      const path = join(dir, 'opt.safetensors');
      b.opt.loadStateDict(unflattenOptimizerState(await loadSafetensors(path), await readSafetensorsMetadata(path)));
      train(b, 3);
      expect(vals(b.model.weight)).toEqual(vals(a.model.weight));
      expect(vals(b.model.bias as Tensor)).toEqual(vals(a.model.bias as Tensor));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps memory flat over training steps', () => {
    const a = setup();
    train(a, 1);
    const before = memory().cpu?.tensors;
    train(a, 4);
    expect(memory().cpu?.tensors).toBe(before);
  });
});

describe('schedules and clipping', () => {
  it('linearWarmup and cosine', () => {
    const w = linearWarmup({ lr: 1, warmupSteps: 4 });
    expect([0, 1, 3, 4, 100].map(w)).toEqual([0.25, 0.5, 1, 1, 1]);
    const c = cosine({ lr: 1, minLr: 0.1, warmupSteps: 2, totalSteps: 12 });
    expect(c(0)).toBe(0.5);
    expect(c(2)).toBe(1);
    expect(c(7)).toBeCloseTo(0.55, 14); // halfway: minLr + (lr - minLr) / 2
    expect(c(12)).toBe(0.1);
    expect(c(50)).toBe(0.1);
  });

  it('clipGradNorm scales all gradients by maxNorm / total norm and returns the total', () => {
    const a = param([0, 0]);
    const b = param([0]);
    a.grad = f64([3, 4]);
    b.grad = f64([12]);
    const ga = a.grad;
    expect(clipGradNorm([a, b], 100)?.dataSync()[0]).toBe(13);
    expect(vals(ga)).toEqual([3, 4]);
    expect(clipGradNorm([a, b], 1)?.dataSync()[0]).toBe(13);
    const s = 1 / (13 + 1e-6);
    expect(a.grad).toBe(ga); // updated in place
    for (const [i, v] of vals(a.grad).entries()) expect(v).toBeCloseTo(([3, 4][i] as number) * s, 15);
    expect(vals(b.grad)[0]).toBeCloseTo(12 * s, 15);
  });
});
