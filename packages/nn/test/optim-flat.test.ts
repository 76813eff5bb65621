// Elementwise optimizers update a bucket of parameters as one flat vector (optim/flat-update.ts).
// The law: every parameter and state buffer is bitwise what the per-parameter loop gives, through
// everything that invalidates the flat cache (a missing gradient, a user's assign, loadStateDict).
import { Adam, type AdamOptions, AdamW, type OptimizerStateDict, SGD, type SGDOptions } from '@webgrad/nn';
import { memory, randn, type Tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

/** What the test needs of an optimizer (Adam and SGD alike, their state dicts as one type). */
interface Opt {
  step(): void;
  zeroGrad(): void;
  dispose(): void;
  stateDict(): OptimizerStateDict<object>;
  loadStateDict(sd: OptimizerStateDict<object>): void;
}

class PerParamAdam extends Adam {
  constructor(params: Tensor[], opts: Partial<AdamOptions>) {
    super(params, opts);
    this.elementwise = false;
  }
}
class PerParamAdamW extends AdamW {
  constructor(params: Tensor[], opts: Partial<AdamOptions>) {
    super(params, opts);
    this.elementwise = false;
  }
}
class PerParamSGD extends SGD {
  constructor(params: Tensor[], opts: Partial<SGDOptions>) {
    super(params, opts);
    this.elementwise = false;
  }
}

/** Parameters of several shapes (a 0-d one, a big one) and dtypes, the same values for both copies. */
function makeParams(seed: number): Tensor[] {
  const specs: [number[], 'float32' | 'float64'][] = [
    [[3, 4], 'float32'],
    [[4], 'float32'],
    [[], 'float32'],
    [[2, 3], 'float64'],
    [[5], 'float64'],
    [[2, 2, 2], 'float32'],
    [[130, 130], 'float32'], // past SGD's flatMaxElements: updated alone there, flat in Adam
  ];
  return specs.map(([shape, dtype], i) => {
    const p = randn(shape, { seed: seed + i, dtype });
    p.requiresGrad = true;
    return p;
  });
}

const bits = (t: Tensor) => Array.from(t.dataSync());

/** Gradients for step `k`; parameter `skip` gets none (as if unused by the loss this step). */
function setGrads(ps: Tensor[], k: number, skip?: number): void {
  // In a tidy that returns the gradients: randn's temporaries are freed, so tensor counts are exact.
  tidy(() =>
    ps.map((p, i) => {
      p.grad = i === skip ? undefined : randn(p.shape, { seed: 1000 * k + i, dtype: p.dtype });
      return p.grad;
    }),
  );
}

function expectSame(a: Tensor[], b: Tensor[], optA: Opt, optB: Opt): void {
  a.forEach((p, i) => {
    expect(bits(p)).toEqual(bits(b[i] as Tensor));
  });
  const sa = optA.stateDict().state;
  const sb = optB.stateDict().state;
  expect(Object.keys(sa)).toEqual(Object.keys(sb));
  for (const [i, s] of Object.entries(sa)) {
    const t = sb[Number(i)];
    expect(s.step).toBe(t?.step);
    for (const [name, buf] of Object.entries(s.buffers)) expect(bits(buf)).toEqual(bits(t?.buffers[name] as Tensor));
  }
}

const CASES: [string, (ps: Tensor[]) => Opt, (ps: Tensor[]) => Opt][] = [
  ['Adam', (ps) => new Adam(ps, { lr: 0.01 }), (ps) => new PerParamAdam(ps, { lr: 0.01 })],
  [
    'Adam (amsgrad, L2 decay)',
    (ps) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.1 }),
    (ps) => new PerParamAdam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.1 }),
  ],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.02 }), (ps) => new PerParamAdamW(ps, { lr: 0.02 })],
  [
    'SGD (momentum, nesterov, decay)',
    (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
    (ps) => new PerParamSGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
  ],
  ['SGD (plain)', (ps) => new SGD(ps, { lr: 0.1 }), (ps) => new PerParamSGD(ps, { lr: 0.1 })],
];

describe.each(CASES)('flat update of %s', (_name, flat, perParam) => {
  it('is bitwise the per-parameter loop, through cache invalidations', () => {
    const a = makeParams(1);
    const b = makeParams(1);
    const [optA, optB] = [flat(a), perParam(b)];
    const step = (k: number, skip?: number) => {
      setGrads(a, k, skip);
      setGrads(b, k, skip);
      optA.step();
      optB.step();
      optA.zeroGrad();
      optB.zeroGrad();
      expectSame(a, b, optA, optB);
    };
    step(1);
    step(2);
    step(3, 1); // parameter 1 has no gradient: its step count falls behind, buckets split
    step(4);
    step(5);
    // A user's assign between steps must be seen (the cache would otherwise bring the old value back).
    const fresh = randn(a[0]?.shape ?? [], { seed: 77 });
    (a[0] as Tensor).assign(fresh);
    (b[0] as Tensor).assign(fresh);
    step(6);
    // loadStateDict replaces the buffers.
    optA.loadStateDict(optB.stateDict());
    step(7);
    step(8);
  });

  it('keeps live tensors flat over steps, and dispose frees the cache', () => {
    const ps = makeParams(3);
    const start = memory().cpu?.tensors;
    const opt = flat(ps);
    setGrads(ps, 1);
    opt.step();
    opt.zeroGrad();
    const before = memory().cpu?.tensors;
    for (let k = 2; k < 6; k++) {
      setGrads(ps, k);
      opt.step();
      opt.zeroGrad();
    }
    expect(memory().cpu?.tensors).toBe(before);
    opt.dispose();
    // What is left are the parameters themselves (views of the last flat update's storage).
    expect(memory().cpu?.tensors).toBe(start);
  });
});
