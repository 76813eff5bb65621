import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdapterFormatName, adapterLayers, applyAdapter, loadAdapter, saveAdapter } from '@webgrad/abba';
import { GPT, type GPTConfig, loadSafetensors, readSafetensorsMetadata, saveSafetensors } from '@webgrad/nn';
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

async function trainedLike(
  method: 'abba' | 'lora' | 'hira',
  seed: number,
  targets: string[] = ['cAttn', 'cFc'],
  alpha = 6,
) {
  const gpt = new GPT(config);
  await applyAdapter(gpt, { method, targetModules: targets, r: 4, alpha, seed });
  for (const [, l] of adapterLayers(gpt))
    for (const [i, [, t]] of l.adapterTensors().entries()) t.assign(randn(t.shape, { seed: seed * 10 + i }));
  return gpt;
}

const readJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
const shapes = async (dir: string) =>
  Object.fromEntries(
    Object.entries(await loadSafetensors(join(dir, 'adapter_model.safetensors'))).map(([k, t]) => [k, t.shape]),
  );

describe('saveAdapter / loadAdapter', () => {
  // HiRA's file folds s into B (PEFT's HiRA has no scale), so it round-trips bit-exactly at s = 1.
  const cases: [string, 'abba' | 'lora' | 'hira', number, AdapterFormatName | undefined][] = [
    ['lora', 'lora', 6, undefined],
    ['abba as LoHa', 'abba', 6, undefined],
    ['abba, authors layout', 'abba', 6, 'abba-authors'],
    ['hira at s = 1', 'hira', 4, undefined],
  ];
  it('round trip is bit-exact, into a fresh model or one with adapters (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...cases), fc.nat(1000), async ([, method, alpha, format], seed) => {
        const src = await trainedLike(method, seed, undefined, alpha);
        const dir = freshDir();
        await saveAdapter(src, dir, { format });
        const fresh = new GPT(config);
        await loadAdapter(fresh, dir);
        expect(adapterValues(fresh)).toEqual(adapterValues(src));
        const idx = tensor([[1, 2, 3]], { dtype: 'int32' });
        expect(fresh.forward(idx).dataSync()).toEqual(src.forward(idx).dataSync());
        const adapted = await trainedLike(method, seed + 1, undefined, alpha);
        await loadAdapter(adapted, dir);
        expect(adapterValues(adapted)).toEqual(adapterValues(src));
      }),
      { numRuns: 8, seed: 8 },
    );
  });

  it('HiRA with s != 1 round-trips up to the rounding of folding s into B', async () => {
    const src = await trainedLike('hira', 2); // alpha 6, r 4: s = 1.5
    const dir = freshDir();
    await saveAdapter(src, dir);
    const fresh = new GPT(config);
    await loadAdapter(fresh, dir);
    const [a, b] = [adapterValues(fresh), adapterValues(src)];
    for (const k of Object.keys(b))
      for (const [i, v] of (b[k] as number[]).entries())
        expect(Math.abs(((a[k] as number[])[i] as number) - v)).toBeLessThanOrEqual(2 ** -22 * Math.abs(v));
  });

  it('ABBA is written as PEFT LoHa (only LoHa fields in the JSON), settings in the safetensors metadata', async () => {
    const dir = freshDir();
    await saveAdapter(await trainedLike('abba', 3, ['cAttn']), dir);
    const json = readJson(dir);
    // s = alpha / sqrt(r1 r2) = 6 / 2 = 3; LoHa's scale is alpha / r with r = max(r1, r2) = 2.
    expect(json).toMatchObject({ peft_type: 'LOHA', r: 2, alpha: 6, target_modules: ['cAttn'], rank_pattern: {} });
    expect(json).not.toHaveProperty('webgrad');
    expect(json).not.toHaveProperty('lora_alpha');
    expect(await shapes(dir)).toEqual({
      'base_model.model.blocks.0.attn.cAttn.hada_w1_a': [24, 2],
      'base_model.model.blocks.0.attn.cAttn.hada_w1_b': [2, 8],
      'base_model.model.blocks.0.attn.cAttn.hada_w2_a': [24, 2],
      'base_model.model.blocks.0.attn.cAttn.hada_w2_b': [2, 8],
    });
    const meta = await readSafetensorsMetadata(join(dir, 'adapter_model.safetensors'));
    expect(JSON.parse(meta.webgrad as string)).toMatchObject({
      method: 'abba',
      r1: 2,
      r2: 2,
      modules: ['blocks.0.attn.cAttn'],
    });
  });

  it("LoRA and HiRA are written in PEFT's own names", async () => {
    const lora = freshDir();
    await saveAdapter(await trainedLike('lora', 3, ['cFc']), lora);
    expect(readJson(lora)).toMatchObject({ peft_type: 'LORA', r: 4, lora_alpha: 6, target_modules: ['cFc'] });
    expect(Object.keys(await shapes(lora)).sort()).toEqual([
      'base_model.model.blocks.0.mlp.cFc.lora_A.weight',
      'base_model.model.blocks.0.mlp.cFc.lora_B.weight',
    ]);
    const hira = freshDir();
    await saveAdapter(await trainedLike('hira', 3, ['cFc']), hira);
    const json = readJson(hira);
    expect(json).toMatchObject({ peft_type: 'HIRA', r: 4, target_modules: ['cFc'] });
    expect(json).not.toHaveProperty('lora_alpha');
    expect(await shapes(hira)).toEqual({
      'base_model.model.blocks.0.mlp.cFc.hira_A': [4, 8],
      'base_model.model.blocks.0.mlp.cFc.hira_B': [32, 4],
    });
  });

  it("r1 != r2 pads LoHa's smaller pair with zeros, and loads back to r1, r2", async () => {
    const gpt = new GPT(config);
    await applyAdapter(gpt, { method: 'abba', targetModules: ['cAttn'], r1: 1, r2: 3, alpha: 2, seed: 1 });
    for (const [, l] of adapterLayers(gpt))
      for (const [i, [, t]] of l.adapterTensors().entries()) t.assign(randn(t.shape, { seed: i }));
    const dir = freshDir();
    await saveAdapter(gpt, dir);
    expect(readJson(dir)).toMatchObject({ r: 3, alpha: (2 / Math.sqrt(3)) * 3 });
    const record = await loadSafetensors(join(dir, 'adapter_model.safetensors'));
    const w1a = record['base_model.model.blocks.0.attn.cAttn.hada_w1_a'];
    expect(w1a?.shape).toEqual([24, 3]);
    expect(Array.from(w1a?.slice(null, [1, 3]).contiguous().dataSync() ?? [1])).toEqual(new Array(48).fill(0));
    const fresh = new GPT(config);
    await loadAdapter(fresh, dir);
    expect(adapterValues(fresh)).toEqual(adapterValues(gpt));
  });

  it("the authors' layout: ABBAConfig fields only, keys <path>.lora_A1.default", async () => {
    const dir = freshDir();
    await saveAdapter(await trainedLike('abba', 3, ['cAttn']), dir, { format: 'abba-authors' });
    const json = readJson(dir);
    expect(Object.keys(json).sort()).toEqual(
      [
        'alpha1',
        'alpha2',
        'bias',
        'dropout',
        'init_lora_weights',
        'modules_to_save',
        'r1',
        'r2',
        'target_modules',
      ].sort(),
    );
    // Released-code alphas with the same s: sqrt(alpha1) sqrt(alpha2) = alpha / sqrt(r1 r2) = 3.
    expect(Math.sqrt(json.alpha1 * json.alpha2)).toBeCloseTo(3, 12);
    expect(Object.keys(await shapes(dir)).sort()).toEqual([
      'blocks.0.attn.cAttn.lora_A1.default',
      'blocks.0.attn.cAttn.lora_A2.default',
      'blocks.0.attn.cAttn.lora_B1.default',
      'blocks.0.attn.cAttn.lora_B2.default',
    ]);
    await expect(saveAdapter(await trainedLike('lora', 3), freshDir(), { format: 'abba-authors' })).rejects.toThrow(
      "saveAdapter: format 'abba-authors' stores abba adapters, the model has lora adapters (lora's formats: peft-lora)",
    );
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
    await expect(loadAdapter(ranks, dir)).rejects.toThrowError(/config r1: model has 1, file has 2/);
    // A tampered file: one tensor with the wrong shape, one extra.
    const weights = join(dir, 'adapter_model.safetensors');
    const meta = await readSafetensorsMetadata(weights);
    const record = await loadSafetensors(weights);
    record['base_model.model.blocks.0.mlp.cFc.hada_w1_b'] = randn([3, 8], { seed: 0 });
    record['base_model.model.lmHead.hada_w1_b'] = randn([2, 8], { seed: 0 });
    await saveSafetensors(weights, record, meta);
    const before = await trainedLike('abba', 5);
    const values = adapterValues(before);
    await expect(loadAdapter(before, dir)).rejects.toThrowError(
      /shape of base_model\.model\.blocks\.0\.mlp\.cFc\.hada_w1_b: the model needs \[2, 8\], the file has \[3, 8\]/,
    );
    expect(adapterValues(before)).toEqual(values); // nothing half-loaded
    delete record['base_model.model.blocks.0.mlp.cFc.hada_w1_b'];
    record['base_model.model.blocks.0.mlp.cFc.hada_w1_b'] = randn([2, 8], { seed: 0 });
    await saveSafetensors(weights, record, meta);
    await expect(loadAdapter(before, dir)).rejects.toThrowError(
      /unexpected tensors in the file: base_model\.model\.lmHead\.hada_w1_b/,
    );
    expect(adapterValues(before)).toEqual(values);
  });

  it('saveAdapter needs adapters', async () => {
    await expect(saveAdapter(new GPT(config), freshDir())).rejects.toThrowError(/no adapters/);
  });
});
