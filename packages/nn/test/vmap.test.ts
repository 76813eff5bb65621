/**
 * nn code under vmap: per-example gradients of a Linear classifier with crossEntropy (the DP-SGD
 * workload) equal a loop of grads; a module's forward, and a GPT's per-sequence loss, map over a
 * batch of single examples.
 */
import { grad, vmap } from '@webgrad/autograd';
import { crossEntropy, GPT, Linear } from '@webgrad/nn';
import { randint, randn, stack, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

function expectClose(a: Tensor, b: Tensor, tol = 1e-9): void {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  x.forEach((v, i) => {
    expect(Math.abs(v - (y[i] as number))).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i] as number)));
  });
}

describe('nn under vmap', () => {
  const xs = randn([6, 4], { seed: 1, dtype: 'float64' });
  const ys = tensor(Int32Array.from([0, 2, 1, 2, 0, 1]));
  const p = { w: randn([3, 4], { seed: 2, dtype: 'float64' }), b: randn([3], { seed: 3, dtype: 'float64' }) };
  // One example: x [4], y [] (int32 class).
  const loss = (p: { w: Tensor; b: Tensor }, x: Tensor, y: Tensor) =>
    crossEntropy(x.reshape([1, 4]).matmul(p.w.mT).add(p.b), y.reshape([1]));

  it('per-example gradients of crossEntropy equal a loop of grads', () => {
    const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(p, xs, ys) as { w: Tensor; b: Tensor };
    const loop = [0, 1, 2, 3, 4, 5].map(
      (i) => grad(loss)(p, xs.slice(i).squeeze(0), ys.slice(i).squeeze(0)) as { w: Tensor; b: Tensor },
    );
    expectClose(perExample.w, stack(loop.map((g) => g.w)));
    expectClose(perExample.b, stack(loop.map((g) => g.b)));
  });

  it("a Linear module's forward maps over single examples", () => {
    const layer = new Linear(4, 3, { seed: 0 });
    const ys = vmap((x: Tensor) => layer.forward(x))(xs.cast('float32'));
    expectClose(ys, layer.forward(xs.cast('float32')), 1e-6);
  });

  it("a GPT's per-sequence losses under vmap equal slices of the batched forward", () => {
    const gpt = new GPT({ vocabSize: 11, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
    const idx = randint(0, 11, [4, 6], { seed: 1 });
    const seqLoss = (logits: Tensor, seq: Tensor) => crossEntropy(logits.slice([0, 5]), seq.slice([1, 6]));
    const per = vmap((seq: Tensor) => seqLoss(gpt.forward(seq.reshape([1, 6])).reshape([6, 11]), seq))(idx);
    const batch = gpt.forward(idx); // [4, 6, 11]
    const loop = [0, 1, 2, 3].map((i) => seqLoss(batch.slice(i).reshape([6, 11]), idx.slice(i).reshape([6])));
    expectClose(per, stack(loop), 1e-5);
  });
});
