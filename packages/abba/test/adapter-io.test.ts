import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterLayers, applyAdapter, loadAdapter, saveAdapter } from '@webgrad/abba';
import { GPT, type GPTConfig, loadSafetensors, saveSafetensors } from '@webgrad/nn';
import { randn, tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

const config: GPTConfig = { vocabSize: 9, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 8, seed: 1 };
const root = mkdtempSync(join(tmpdir(), 'abba-io-'));
let dirCount = 0;
const freshDir = () => join(root, `a${dirCount++}`);
afterAll(() => rmSync(root, { recursive: true, force: true }));

function adapterValues(model: GPT): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [path, l] of adapterLayers(model))
    for (const [key, t] of l.adapterTensors()) out[`${path}.${key}`] = Array.from(t.dataSync());
  return out;
}

async function trainedLike(method: 'abba' | 'lora' | 'hira', seed: number, targets: string[] = ['cAttn', 'cFc']) {
  const gpt = new GPT(config);
  await applyAdapter(gpt, { method, targetModules: targets, r: 4, alpha: 6, seed });
  for (const [, l] of adapterLayers(gpt))
    for (const [i, [, t]] of l.adapterTensors().entries()) t.assign(randn(t.shape, { seed: seed * 10 + i }));
  return gpt;
}

describe('saveAdapter / loadAdapter', () => {
  it('round trip is bit-exact, into a fresh model or one with adapters (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('abba' as const, 'lora' as const, 'hira' as const),
        fc.nat(1000),
        async (method, seed) => {
          const src = await trainedLike(method, seed);
          const dir = freshDir();
          await saveAdapter(src, dir);
          const fresh = new GPT(config);
          await loadAdapter(fresh, dir);
          expect(adapterValues(fresh)).toEqual(adapterValues(src));
          const idx = tensor([[1, 2, 3]], { dtype: 'int32' });
          expect(fresh.forward(idx).dataSync()).toEqual(src.forward(idx).dataSync());
          const adapted = await trainedLike(method, seed + 1);
          await loadAdapter(adapted, dir);
          expect(adapterValues(adapted)).toEqual(adapterValues(src));
        },
      ),
      { numRuns: 6, seed: 8 },
    );
  });

  it('writes PEFT-style names and config', async () => {
    const dir = freshDir();
    await saveAdapter(await trainedLike('abba', 3, ['cAttn']), dir);
    const json = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
    expect(json).toMatchObject({ peft_type: 'ABBA', r1: 2, r2: 2, target_modules: ['cAttn'] });
    expect(json.webgrad.modules).toEqual(['blocks.0.attn.cAttn']);
    // Released-code alphas with the same s: sqrt(alpha1) sqrt(alpha2) = alpha / sqrt(r1 r2) = 3.
    expect(Math.sqrt(json.alpha1 * json.alpha2)).toBeCloseTo(3, 12);
    const record = await loadSafetensors(join(dir, 'adapter_model.safetensors'));
    expect(Object.fromEntries(Object.entries(record).map(([k, t]) => [k, t.shape]))).toEqual({
      'base_model.model.blocks.0.attn.cAttn.lora_A1.weight': [2, 8],
      'base_model.model.blocks.0.attn.cAttn.lora_A2.weight': [2, 8],
      'base_model.model.blocks.0.attn.cAttn.lora_B1.weight': [24, 2],
      'base_model.model.blocks.0.attn.cAttn.lora_B2.weight': [24, 2],
    });
    const lora = freshDir();
    await saveAdapter(await trainedLike('lora', 3, ['cFc']), lora);
    const keys = Object.keys(await loadSafetensors(join(lora, 'adapter_model.safetensors')));
    expect(keys.sort()).toEqual([
      'base_model.model.blocks.0.mlp.cFc.lora_A.weight',
      'base_model.model.blocks.0.mlp.cFc.lora_B.weight',
    ]);
  });

  it('mismatched method, config, targets and shapes are clear errors', async () => {
    const dir = freshDir();
    await saveAdapter(await trainedLike('abba', 4), dir);
    const other = await trainedLike('lora', 4);
    await expect(loadAdapter(other, dir)).rejects.toThrowError(/config method: model has lora, file has abba/);
    const fewer = await trainedLike('abba', 4, ['cAttn']);
    await expect(loadAdapter(fewer, dir)).rejects.toThrowError(
      /target modules in the file but not adapted in the model: blocks\.0\.mlp\.cFc/,
    );
    const ranks = new GPT(config);
    await applyAdapter(ranks, { method: 'abba', targetModules: ['cAttn', 'cFc'], r1: 1, r2: 3, alpha: 6 });
    await expect(loadAdapter(ranks, dir)).rejects.toThrowError(
      /config r1: model has 1, file has 2.*shape of base_model/,
    );
    // A tampered file: one tensor with the wrong shape, one extra.
    const weights = join(dir, 'adapter_model.safetensors');
    const record = await loadSafetensors(weights);
    record['base_model.model.blocks.0.mlp.cFc.lora_A1.weight'] = randn([3, 8], { seed: 0 });
    record['base_model.model.lmHead.lora_A1.weight'] = randn([2, 8], { seed: 0 });
    await saveSafetensors(weights, record);
    const before = await trainedLike('abba', 5);
    const values = adapterValues(before);
    await expect(loadAdapter(before, dir)).rejects.toThrowError(
      /shape of base_model\.model\.blocks\.0\.mlp\.cFc\.lora_A1\.weight: model has \[2, 8\], file has \[3, 8\].*unexpected tensors in the file: base_model\.model\.lmHead\.lora_A1\.weight/,
    );
    expect(adapterValues(before)).toEqual(values); // nothing half-loaded
  });

  it('saveAdapter needs adapters', async () => {
    await expect(saveAdapter(new GPT(config), freshDir())).rejects.toThrowError(/no adapters/);
  });
});
