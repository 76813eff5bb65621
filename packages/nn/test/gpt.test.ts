import { backward } from '@webgrad/autograd';
import { AdamW, CausalSelfAttention, clipGradNorm, crossEntropy, GPT, type GPTConfig, KVCache } from '@webgrad/nn';
import { concat, memory, randn, type Tensor, tensor, tidy } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ids = (rows: number[][]) => tensor(rows, { dtype: 'int32' });
const close = (a: Tensor, b: Tensor, tol = 1e-5) => {
  const [x, y] = [a.dataSync(), b.dataSync()];
  expect(a.shape).toEqual(b.shape);
  x.forEach((v, i) => {
    expect(Math.abs(v - (y[i] as number))).toBeLessThan(tol);
  });
};

describe('CausalSelfAttention', () => {
  it('output at position t does not change when tokens after t change (property)', () => {
    const attn = new CausalSelfAttention(8, 2, { seed: 1, blockSize: 6, dtype: 'float64' });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.nat(1000), (t, seed) => {
        const x = randn([2, 6, 8], { seed, dtype: 'float64' });
        const future = randn([2, 6 - t, 8], { seed: seed + 1, dtype: 'float64' });
        const x2 = concat([x.slice(null, [0, t]), future], 1);
        const [y, y2] = [attn.forward(x), attn.forward(x2)];
        expect(y.slice(null, [0, t]).arraySync()).toEqual(y2.slice(null, [0, t]).arraySync());
        expect(y.slice(null, [t]).arraySync()).not.toEqual(y2.slice(null, [t]).arraySync());
      }),
      { numRuns: 20, seed: 2 },
    );
  });

  it('rejects bad shapes and contexts longer than blockSize', () => {
    const attn = new CausalSelfAttention(4, 2, { blockSize: 2 });
    expect(() => attn.forward(randn([1, 3, 4]))).toThrowError(/exceed blockSize 2/);
    expect(() => attn.forward(randn([1, 2, 5]))).toThrowError(/must be \[B, T, 4\]/);
    expect(() => new CausalSelfAttention(5, 2)).toThrowError(/not divisible/);
  });
});

const config: GPTConfig = { vocabSize: 7, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, seed: 3 };

describe('GPT', () => {
  it('KV-cache decoding gives the same logits as the full forward', () => {
    const gpt = new GPT({ ...config, tieWeights: false });
    const seq = [
      [1, 2, 3, 4, 5, 6],
      [6, 5, 4, 3, 2, 1],
    ];
    const full = gpt.forward(ids(seq)); // [2, 6, 7]
    const caches = gpt.newCaches();
    const parts = [gpt.forward(ids(seq.map((r) => r.slice(0, 3))), { caches })];
    for (let t = 3; t < 6; t++) parts.push(gpt.forward(ids(seq.map((r) => r.slice(t, t + 1))), { caches }));
    expect(caches[0]?.length).toBe(6);
    close(concat(parts, 1), full);
    for (const c of caches) c.dispose();
    expect(caches[1]).toBeInstanceOf(KVCache);
  });

  it('generate at temperature 0 is deterministic, equals greedy argmax of the full forward, and crops at blockSize', async () => {
    const gpt = new GPT(config).eval();
    const before = memory().cpu?.tensors;
    const out = await gpt.generate([1, 2], { maxNewTokens: 10, temperature: 0 });
    expect(memory().cpu?.tensors).toBe(before); // caches and step tensors are all freed
    expect(out).toHaveLength(12);
    expect(await gpt.generate([1, 2], { maxNewTokens: 10, temperature: 0 })).toEqual(out);
    // Reference without a cache: argmax of the last position over the last blockSize tokens.
    const ref = [1, 2];
    for (let i = 0; i < 10; i++) {
      const logits = gpt.forward(ids([ref.slice(-config.blockSize)]));
      ref.push(logits.slice(null, [-1]).reshape([-1]).argmax().dataSync()[0] as number);
    }
    expect(out).toEqual(ref);
    const batch = await gpt.generate(
      ids([
        [1, 2],
        [3, 4],
      ]),
      { maxNewTokens: 3, temperature: 0 },
    );
    expect(batch.shape).toEqual([2, 5]);
    expect((batch.arraySync() as number[][])[0]).toEqual(out.slice(0, 5));
  });

  it('sampling is reproducible by seed and respects topK', async () => {
    const gpt = new GPT(config);
    const a = await gpt.generate([0], { maxNewTokens: 12, temperature: 1.5, seed: 5 });
    expect(await gpt.generate([0], { maxNewTokens: 12, temperature: 1.5, seed: 5 })).toEqual(a);
    const greedy = await gpt.generate([0], { maxNewTokens: 12, temperature: 0 });
    expect(await gpt.generate([0], { maxNewTokens: 12, temperature: 1, topK: 1, seed: 9 })).toEqual(greedy);
  });

  it('learns a repeating sequence (loss drops) with memory flat across steps', () => {
    const gpt = new GPT({ ...config, nLayer: 1, seed: 4 });
    const opt = new AdamW(gpt.parameters(), { lr: 1e-2, weightDecay: 0.1 });
    const pattern = [0, 1, 2, 3, 4, 5, 6];
    const rows = [0, 2, 4, 5].map((s) => Array.from({ length: 9 }, (_, i) => pattern[(s + i) % 7] as number));
    const x = ids(rows.map((r) => r.slice(0, 8)));
    const y = ids(rows.map((r) => r.slice(1)));
    const losses: number[] = [];
    let tensorsAfterFirst = 0;
    for (let step = 0; step < 40; step++) {
      tidy(() => {
        const loss = crossEntropy(gpt.forward(x), y);
        backward(loss);
        clipGradNorm(gpt.parameters(), 1);
        opt.step();
        opt.zeroGrad();
        losses.push(loss.dataSync()[0] as number);
      });
      if (step === 1) tensorsAfterFirst = memory().cpu?.tensors ?? 0;
    }
    expect(memory().cpu?.tensors).toBe(tensorsAfterFirst);
    expect(losses[0]).toBeGreaterThan(1.5); // about ln 7 at the start
    expect(losses.at(-1)).toBeLessThan(0.3 * (losses[0] as number));
  });
});
