/**
 * Adapter state mistakes raise instead of silently doing nothing: loading into a merged model,
 * training while merged, and an optimizer built before applyAdapter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterLayers, applyAdapter, loadAdapter, merge, saveAdapter, unmerge } from '@webgrad/abba';
import { backward } from '@webgrad/autograd';
import { AdamW, crossEntropy, GPT, type GPTConfig } from '@webgrad/nn';
import { randint, randn, TensorError } from '@webgrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';

const config: GPTConfig = { vocabSize: 9, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 8, seed: 2 };
const root = mkdtempSync(join(tmpdir(), 'abba-state-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function adapted(seed: number): Promise<GPT> {
  const gpt = new GPT(config);
  await applyAdapter(gpt, { method: 'lora', targetModules: ['cAttn'], r: 2, seed });
  for (const [, l] of adapterLayers(gpt))
    for (const [i, [, t]] of l.adapterTensors().entries()) t.assign(randn(t.shape, { seed: seed * 10 + i }));
  return gpt;
}

const idx = randint(0, config.vocabSize, [2, 4], { seed: 3 });
const targets = randint(0, config.vocabSize, [2, 4], { seed: 4 });

describe('adapter merge state', () => {
  it('loadAdapter into a merged model raises; after unmerge it loads the new weights', async () => {
    const src = await adapted(1);
    const dir = join(root, 'src');
    await saveAdapter(src, dir);
    const dst = (await adapted(5)).eval();
    merge(dst);
    const err = await loadAdapter(dst, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TensorError);
    expect((err as TensorError).kind).toBe('state');
    expect(String(err)).toMatch(/loadAdapter: the model's adapters are merged .*call unmerge\(model\) first/);
    unmerge(dst);
    await loadAdapter(dst, dir);
    const want = Array.from(src.eval().forward(idx).dataSync());
    expect(Array.from(dst.forward(idx).dataSync())).toEqual(want);
  });

  it('a merged model in training mode raises in forward; eval mode runs the merged weights', async () => {
    const gpt = await adapted(2);
    const before = Array.from(gpt.eval().forward(idx).dataSync());
    gpt.train();
    merge(gpt);
    expect(() => gpt.forward(idx)).toThrowError(TensorError);
    expect(() => gpt.forward(idx)).toThrowError(
      /forward in training mode while merged.*Call unmerge\(model\) to train/,
    );
    const merged = Array.from(gpt.eval().forward(idx).dataSync());
    for (const [i, v] of merged.entries()) expect(Math.abs(v - (before[i] as number))).toBeLessThan(1e-5);
  });

  it('an optimizer built before applyAdapter raises at step() instead of training nothing', async () => {
    const gpt = new GPT(config);
    const opt = new AdamW(gpt.parameters(), { lr: 1e-2 });
    await applyAdapter(gpt, { method: 'abba', targetModules: ['cAttn'], r: 2, seed: 1 });
    backward(crossEntropy(gpt.forward(idx), targets));
    expect(() => opt.step()).toThrowError(TensorError);
    expect(() => opt.step()).toThrowError(/AdamW.step: none of its \d+ parameters has a gradient.*before applyAdapter/);
    // Built afterwards, it trains the adapter.
    const good = new AdamW(
      gpt.parameters().filter((p) => p.requiresGrad),
      { lr: 1e-2 },
    );
    const values = () => adapterLayers(gpt).flatMap(([, l]) => l.adapterTensors().map(([, t]) => [...t.dataSync()]));
    const a = values();
    good.step();
    expect(values()).not.toEqual(a);
  });
});
