/**
 * bceWithLogits, nllLoss, l1Loss and huberLoss against float64 references written from
 * PyTorch's formulas (torch.nn.functional docs), with their defaults and reductions.
 */
import { grad } from '@webgrad/autograd';
import { bceWithLogits, crossEntropy, huberLoss, l1Loss, nllLoss } from '@webgrad/nn';
import { randint, randn, type Tensor, TensorError, tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const f64 = { dtype: 'float64' as const };
const vals = (t: Tensor) => Array.from(t.dataSync());
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function closeAll(got: number[], want: number[], tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g - (want[i] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(want[i] as number)));
  });
}

describe('bceWithLogits', () => {
  it('is -[p y log σ(x) + (1 - y) log(1 - σ(x))] * w, reduced (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.nat(1000), (n, c, seed) => {
        const x = randn([n, c], { ...f64, seed, std: 3 });
        const y = randn([n, c], { ...f64, seed: seed + 1 }).sigmoid(); // soft targets in (0, 1)
        const w = randn([n, c], { ...f64, seed: seed + 2 }).abs();
        const p = randn([c], { ...f64, seed: seed + 3 }).abs();
        const [xs, ys, ws, ps] = [vals(x), vals(y), vals(w), vals(p)];
        const per = xs.map((v, i) => {
          const [t, pw] = [ys[i] as number, ps[i % c] as number];
          return -(ws[i] as number) * (pw * t * Math.log(sigmoid(v)) + (1 - t) * Math.log(1 - sigmoid(v)));
        });
        const opts = { weight: w, posWeight: p };
        closeAll(vals(bceWithLogits(x, y, { ...opts, reduction: 'none' })), per, 1e-10);
        closeAll(vals(bceWithLogits(x, y, opts)), [mean(per)], 1e-10);
        closeAll(vals(bceWithLogits(x, y, { ...opts, reduction: 'sum' })), [total(per)], 1e-10);
      }),
      { numRuns: 30, seed: 1 },
    );
  });
  it('is stable for huge logits, and its gradient is σ(x) - y over n', async () => {
    const x = tensor([1000, -1000, 0], f64);
    const y = tensor([1, 0, 1], f64);
    closeAll(vals(bceWithLogits(x, y, { reduction: 'none' })), [0, 0, Math.LN2]);
    const g = grad((t: Tensor) => bceWithLogits(t, y))(x) as Tensor;
    closeAll(vals(g), [0, 0, (0.5 - 1) / 3]);
  });
  it('needs matching shapes', () => {
    expect(() => bceWithLogits(tensor([1, 2]), tensor([1]))).toThrowError(TensorError);
    expect(() => bceWithLogits(tensor([1, 2]), tensor([1]))).toThrowError(
      /bceWithLogits: input \[2\] and target \[1\] must have the same shape/,
    );
  });
});

describe('nllLoss', () => {
  it('is -w[t] input[t], mean over the summed weights, with ignoreIndex (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 2, max: 4 }), fc.nat(1000), (n, c, seed) => {
        const logp = randn([n, c], { ...f64, seed }).logSoftmax(-1);
        const raw = vals(randint(-1, c, [n], { seed: seed + 1 }));
        const t = tensor(Int32Array.from(raw.map((v) => (v < 0 ? -100 : v))));
        const w = randn([c], { ...f64, seed: seed + 2 })
          .abs()
          .add(0.1);
        const [lp, ts, ws] = [vals(logp), vals(t), vals(w)];
        const per = ts.map((k, i) => (k === -100 ? 0 : -(ws[k] as number) * (lp[i * c + k] as number)));
        const den = total(ts.map((k) => (k === -100 ? 0 : (ws[k] as number))));
        closeAll(vals(nllLoss(logp, t, { weight: w, reduction: 'none' })), per);
        closeAll(vals(nllLoss(logp, t, { weight: w, reduction: 'sum' })), [total(per)]);
        const m = vals(nllLoss(logp, t, { weight: w }))[0] as number;
        if (den === 0) expect(m).toBeNaN();
        else closeAll([m], [total(per) / den]);
      }),
      { numRuns: 30, seed: 2 },
    );
  });
  it('of logSoftmax equals crossEntropy', () => {
    const logits = randn([2, 3, 5], { ...f64, seed: 4 });
    const t = randint(0, 5, [2, 3], { seed: 5 });
    closeAll(vals(nllLoss(logits.logSoftmax(-1), t)), vals(crossEntropy(logits, t)));
  });
  it('names an out-of-range target (negative ones too) and the class count', () => {
    const lp = randn([2, 3], { seed: 1 }).logSoftmax(-1);
    expect(() => nllLoss(lp, tensor([0, -1], { dtype: 'int32' }))).toThrowError(TensorError);
    expect(() => nllLoss(lp, tensor([0, -1], { dtype: 'int32' }))).toThrowError(
      /^nllLoss: target -1 at 1 is out of range for 3 classes; targets must be in \[0, 3\) or equal ignoreIndex \(-100\)$/,
    );
    expect(() => nllLoss(lp, tensor([3, 0], { dtype: 'int32' }))).toThrowError(/nllLoss: target 3 at 0/);
  });
  it('checks dtypes and shapes', () => {
    const lp = randn([2, 3], { seed: 1 });
    expect(() => nllLoss(lp, tensor([0, 1]))).toThrowError(/nllLoss: targets must be int32, got float32/);
    expect(() => nllLoss(lp, tensor([0], { dtype: 'int32' }))).toThrowError(
      /nllLoss: input \[2, 3\] needs targets \[2\]/,
    );
    expect(() => nllLoss(lp, tensor([0, 1], { dtype: 'int32' }), { weight: tensor([1, 2]) })).toThrowError(
      /nllLoss: weight must be \[3\]/,
    );
  });
});

describe('l1Loss and huberLoss', () => {
  it('match |d| and the piecewise Huber formula with PyTorch defaults (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.nat(1000), fc.constantFrom(0.3, 1, 2.5), (n, seed, delta) => {
        const x = randn([n], { ...f64, seed, std: 2 });
        const y = randn([n], { ...f64, seed: seed + 1 });
        const d = vals(x).map((v, i) => v - (vals(y)[i] as number));
        const l1 = d.map(Math.abs);
        const hub = (dd: number[], k: number) =>
          dd.map((v) => (Math.abs(v) < k ? 0.5 * v * v : k * (Math.abs(v) - 0.5 * k)));
        closeAll(vals(l1Loss(x, y)), [mean(l1)]);
        closeAll(vals(l1Loss(x, y, { reduction: 'none' })), l1);
        closeAll(vals(huberLoss(x, y)), [mean(hub(d, 1))]); // default delta = 1
        closeAll(vals(huberLoss(x, y, { delta, reduction: 'sum' })), [total(hub(d, delta))]);
      }),
      { numRuns: 30, seed: 3 },
    );
  });
  it("huber's gradient is d inside delta and delta * sign(d) outside", () => {
    const x = tensor([0.5, 3, -4], f64);
    const y = tensor([0, 0, 0], f64);
    const g = grad((t: Tensor) => huberLoss(t, y, { delta: 2, reduction: 'sum' }))(x) as Tensor;
    closeAll(vals(g), [0.5, 2, -2]);
  });
  it('reject bad options and shapes', () => {
    expect(() => huberLoss(tensor([1]), tensor([1]), { delta: 0 })).toThrowError(/huberLoss: delta must be > 0, got 0/);
    expect(() => l1Loss(tensor([1]), tensor([1]), { reduction: 'avg' as 'mean' })).toThrowError(
      /l1Loss: reduction must be 'mean', 'sum' or 'none', got 'avg'/,
    );
    expect(() => l1Loss(tensor([1, 2]), tensor([1]))).toThrowError(/l1Loss: input \[2\] and target \[1\]/);
  });
});
