import {
  ABBALinear,
  adapterLayers,
  applyAdapter,
  HiRALinear,
  LoRALinear,
  merge,
  mergeAndUnload,
  unmerge,
} from '@webgrad/abba';
import { backward } from '@webgrad/autograd';
import { AdamW, crossEntropy, GPT, type GPTConfig, Linear } from '@webgrad/nn';
import { randint, type Tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const config: GPTConfig = { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, seed: 7 };
const TARGETS = ['cAttn', 'cProj', 'cFc'];

function snapshot(model: GPT): Map<string, number[]> {
  return new Map(model.namedParameters().map(([n, p]) => [n, Array.from(p.dataSync())]));
}

function loss(model: GPT, idx: Tensor, targets: Tensor): Tensor {
  return crossEntropy(model.forward(idx).reshape([-1, config.vocabSize]), targets.reshape([-1]));
}

describe('applyAdapter on a small GPT', () => {
  it('replaces the targets, freezes everything else, and counts parameters', async () => {
    const gpt = new GPT(config);
    const totalBefore = gpt.parameters().reduce((n, p) => n + p.size, 0);
    const summary = await applyAdapter(gpt, { method: 'abba', targetModules: TARGETS, r: 4, seed: 1 });
    const paths = adapterLayers(gpt).map(([p]) => p);
    expect(paths).toEqual([
      'blocks.0.attn.cAttn',
      'blocks.0.attn.cProj',
      'blocks.0.mlp.cFc',
      'blocks.0.mlp.cProj',
      'blocks.1.attn.cAttn',
      'blocks.1.attn.cProj',
      'blocks.1.mlp.cFc',
      'blocks.1.mlp.cProj',
    ]);
    for (const [, l] of adapterLayers(gpt)) expect(l).toBeInstanceOf(ABBALinear);
    // Each module: (r1 + r2)(m + n) with r1 = r2 = 2.
    for (const m of summary.modules) expect(m.trainable).toBe(4 * (m.shape[0] + m.shape[1]));
    const trainable = gpt.namedParameters().filter(([, p]) => p.requiresGrad);
    expect(trainable.every(([n]) => /\.lora_?[AB][12]$|\.loraA[12]$|\.loraB[12]$/.test(n))).toBe(true);
    expect(trainable.length).toBe(4 * 8);
    expect(summary.trainable).toBe(summary.modules.reduce((n, m) => n + m.trainable, 0));
    expect(summary.total).toBe(totalBefore + summary.trainable);
    expect(summary.percent).toBeCloseTo((100 * summary.trainable) / summary.total, 12);
  });

  it('a few training steps reduce the loss while base weights stay bit-identical', async () => {
    for (const method of ['abba', 'lora', 'hira'] as const) {
      const gpt = new GPT(config);
      await applyAdapter(gpt, { method, targetModules: TARGETS, r: 4, alpha: 8, seed: 2 });
      const before = snapshot(gpt);
      const frozen = gpt.namedParameters().filter(([, p]) => !p.requiresGrad);
      const opt = new AdamW(
        gpt.parameters().filter((p) => p.requiresGrad),
        { lr: 1e-2, weightDecay: 0 },
      );
      const idx = randint(0, config.vocabSize, [4, 8], { seed: 3 });
      const targets = randint(0, config.vocabSize, [4, 8], { seed: 4 });
      const losses: number[] = [];
      for (let step = 0; step < 6; step++) {
        tidy(() => {
          const l = loss(gpt, idx, targets);
          losses.push(l.dataSync()[0] as number);
          backward(l);
        });
        opt.step();
        opt.zeroGrad();
      }
      // Every step lowers the loss. (ABBA and HiRA move slower than LoRA here: their updates are
      // scaled by W0-sized factors, B1 A1 ≈ W0 or W0 itself, and GPT's weights are N(0, 0.02).)
      for (let i = 1; i < losses.length; i++)
        expect(losses[i], `${method}: ${losses.join(', ')}`).toBeLessThan(losses[i - 1] as number);
      for (const [name, p] of frozen) expect(Array.from(p.dataSync()), name).toEqual(before.get(name));
      for (const [, p] of frozen) expect(p.grad).toBeUndefined();
    }
  });

  it('merge / unmerge / mergeAndUnload on the whole model', async () => {
    const gpt = new GPT(config);
    await applyAdapter(gpt, { method: 'lora', targetModules: /attn\.(cAttn|cProj)$/, r: 2, seed: 5 });
    expect(adapterLayers(gpt).every(([p, l]) => l instanceof LoRALinear && p.includes('attn'))).toBe(true);
    for (const [, l] of adapterLayers(gpt)) for (const [, t] of l.adapterTensors()) t.assign(t.add(0.05));
    const idx = randint(0, config.vocabSize, [2, 8], { seed: 6 });
    const adapted = Array.from(gpt.forward(idx).dataSync());
    const w0 = snapshot(gpt);
    gpt.eval(); // a merged model in training mode raises (its adapters would not train)
    merge(gpt);
    const merged = Array.from(gpt.forward(idx).dataSync());
    merged.forEach((v, i) => {
      expect(Math.abs(v - (adapted[i] as number))).toBeLessThan(1e-5);
    });
    unmerge(gpt);
    expect(snapshot(gpt)).toEqual(w0);
    const plain = mergeAndUnload(gpt);
    expect(adapterLayers(plain)).toEqual([]);
    expect(plain.blocks[0]?.attn.cAttn).toBeInstanceOf(Linear);
    Array.from(plain.forward(idx).dataSync()).forEach((v, i) => {
      expect(Math.abs(v - (adapted[i] as number))).toBeLessThan(1e-5);
    });
    expect(() => merge(plain)).toThrowError(/no adapter layers/);
  });

  it('errors: no matching Linear, SVD rank too large, adapting twice', async () => {
    const gpt = new GPT(config);
    await expect(applyAdapter(gpt, { method: 'hira', targetModules: ['qProj'] })).rejects.toThrowError(
      /no Linear module matches targetModules qProj; Linear modules are: blocks\.0\.attn\.cAttn/,
    );
    await expect(applyAdapter(gpt, { method: 'abba', targetModules: 'cFc', r1: 17, r2: 1 })).rejects.toThrowError(
      /r1 = 17 is too large for blocks\.0\.mlp\.cFc \[64, 16\]/,
    );
    expect(gpt.parameters().every((p) => p.requiresGrad)).toBe(true); // nothing changed
    await applyAdapter(gpt, { method: 'hira', targetModules: 'cFc', r: 2 });
    expect(adapterLayers(gpt).every(([, l]) => l instanceof HiRALinear)).toBe(true);
    await expect(applyAdapter(gpt, { method: 'lora', targetModules: 'cFc' })).rejects.toThrowError(
      /already has adapters/,
    );
  });
});
