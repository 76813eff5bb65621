import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AdapterConfig, adapterLayers, applyAdapter, loadAdapter, saveAdapter } from '@webgrad/abba';
import { GPT, type GPTConfig, loadSafetensors, saveSafetensors } from '@webgrad/nn';
import { randint, randn, type Tensor } from '@webgrad/tensor';
import { afterAll, expect, it } from 'vitest';
import { cleanup, describeWithPython, readResult, runPython, tempDir } from './python.js';

afterAll(cleanup);

const config: GPTConfig = { vocabSize: 13, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, seed: 5 };
const idx = randint(0, 13, [2, 6], { seed: 3 });

function maxAbsDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const [x, y] = [a.dataSync(), b.dataSync()];
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  return m;
}

/** A directory with the base model's weights, its config and a batch, as run.py expects. */
async function baseDir(name: string): Promise<string> {
  const dir = tempDir(name);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  await saveSafetensors(join(dir, 'weights.safetensors'), new GPT(config).stateDict());
  await saveSafetensors(join(dir, 'batch.safetensors'), { idx });
  return dir;
}

const TO_PEFT: [string, AdapterConfig, string][] = [
  [
    'LoRA with a per-module rank and alpha',
    {
      method: 'lora',
      targetModules: ['cAttn', 'cFc'],
      r: 4,
      alpha: 6,
      rankPattern: { 'blocks\\.1\\.mlp\\.cFc': 2 },
      alphaPattern: { cAttn: 3 },
    },
    'LORA',
  ],
  ['HiRA with s = 1.5 (folded into B)', { method: 'hira', targetModules: ['cAttn', 'cProj'], r: 4, alpha: 6 }, 'HIRA'],
  [
    'ABBA with r1 != r2 (as LoHa, padded)',
    { method: 'abba', targetModules: ['cAttn', 'cFc'], r1: 2, r2: 3, alpha: 4 },
    'LOHA',
  ],
];

describeWithPython('adapters with Hugging Face PEFT', () => {
  for (const [name, adapter, peftType] of TO_PEFT)
    it(`PEFT loads a webgrad ${name}: no missing or unexpected keys, no warnings, same logits before and after merge`, async () => {
      const dir = await baseDir('to-peft');
      const model = new GPT(config);
      await applyAdapter(model, { ...adapter, seed: 1 });
      for (const [, l] of adapterLayers(model))
        for (const [i, [, t]] of l.adapterTensors().entries()) t.assign(randn(t.shape, { seed: 10 + i }).mul(0.3));
      await saveAdapter(model, join(dir, 'adapter'));
      runPython('peft-load', dir);
      const result = readResult<{ peft_type: string; missing: string[]; unexpected: string[]; warnings: string[] }>(
        dir,
      );
      expect(result).toEqual({ peft_type: peftType, missing: [], unexpected: [], warnings: [] });
      const torch = await loadSafetensors(join(dir, 'torch.safetensors'));
      const ours = model.forward(idx);
      const [load, merged] = [maxAbsDiff(ours, torch.logits as Tensor), maxAbsDiff(ours, torch.merged as Tensor)];
      console.log(
        `interop: webgrad ${peftType} in PEFT: max |logits diff| ${load.toExponential(1)} after load, ${merged.toExponential(1)} after merge`,
      );
      expect(load).toBeLessThan(1e-5);
      expect(merged).toBeLessThan(1e-5);
    });

  const FROM_PEFT: [string, Record<string, unknown>, string][] = [
    [
      'LoRA with alpha_pattern and rank_pattern',
      {
        peft_type: 'LORA',
        r: 4,
        lora_alpha: 8,
        target_modules: ['cAttn', 'cProj'],
        rank_pattern: { 'blocks.0.attn.cProj': 2 },
        alpha_pattern: { cAttn: 3, 'blocks.1.mlp.cProj': 5 },
      },
      'lora',
    ],
    ['HiRA', { peft_type: 'HIRA', r: 3, target_modules: ['cFc'] }, 'hira'],
    [
      'LoHa (loaded as ABBA)',
      { peft_type: 'LOHA', r: 2, alpha: 5, target_modules: ['cAttn', 'cFc'], rank_pattern: { cFc: 3 } },
      'abba',
    ],
  ];
  for (const [name, spec, method] of FROM_PEFT)
    it(`webgrad loads a PEFT-made ${name} and computes PEFT's logits`, async () => {
      const dir = await baseDir('from-peft');
      writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
      runPython('peft-make', dir);
      const model = new GPT(config);
      await loadAdapter(model, join(dir, 'adapter'));
      expect(new Set(adapterLayers(model).map(([, l]) => l.method))).toEqual(new Set([method]));
      const torch = await loadSafetensors(join(dir, 'torch.safetensors'));
      const diff = maxAbsDiff(model.forward(idx), torch.logits as Tensor);
      console.log(`interop: PEFT ${spec.peft_type} in webgrad: max |logits diff| ${diff.toExponential(1)}`);
      expect(diff).toBeLessThan(1e-5);
    });
});
