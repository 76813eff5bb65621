import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adapterLayers, loadAdapter } from '@webgrad/abba';
import { GPT, type GPTConfig, saveSafetensors } from '@webgrad/nn';
import { randn } from '@webgrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';

const config: GPTConfig = { vocabSize: 9, blockSize: 4, nLayer: 2, nHead: 2, nEmbd: 8, seed: 1 };
const root = mkdtempSync(join(tmpdir(), 'peft-options-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A PEFT LoRA adapter directory (r = 2 on every cAttn) with `options` added to its config. */
async function peftLoraDir(options: Record<string, unknown>): Promise<string> {
  const dir = join(root, `d${n++}`);
  mkdirSync(dir);
  const json = {
    peft_type: 'LORA',
    peft_version: '0.21.0',
    r: 2,
    lora_alpha: 4,
    target_modules: ['cAttn'],
    bias: 'none',
    use_dora: false,
    ...options,
  };
  writeFileSync(join(dir, 'adapter_config.json'), JSON.stringify(json));
  const tensors: Record<string, ReturnType<typeof randn>> = {};
  for (const i of [0, 1]) {
    tensors[`base_model.model.blocks.${i}.attn.cAttn.lora_A.weight`] = randn([2, 8], { seed: i });
    tensors[`base_model.model.blocks.${i}.attn.cAttn.lora_B.weight`] = randn([24, 2], { seed: 9 + i });
  }
  await saveSafetensors(join(dir, 'adapter_model.safetensors'), tensors);
  return dir;
}

describe('PEFT options webgrad does not model are rejected by name, before anything changes', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['use_dora', { use_dora: true }, 'use_dora = true'],
    ['lora_bias', { lora_bias: true }, 'lora_bias = true'],
    ['layers_to_transform', { layers_to_transform: [0] }, 'layers_to_transform = [0]'],
    ['modules_to_save', { modules_to_save: ['lmHead'] }, 'modules_to_save = ["lmHead"]'],
    ['bias', { bias: 'all' }, 'bias = "all"'],
    ['fan_in_fan_out', { fan_in_fan_out: true }, 'fan_in_fan_out = true'],
    ['an option from a newer PEFT', { use_future_trick: 3 }, 'use_future_trick = 3'],
  ];
  for (const [name, options, message] of cases)
    it(name, async () => {
      const dir = await peftLoraDir(options);
      const model = new GPT(config);
      const err = await loadAdapter(model, dir).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain(`PEFT LoRA option ${message} is not supported by webgrad`);
      expect(adapterLayers(model)).toEqual([]); // nothing applied
    });

  it('modelled and informational options load: exclude_modules, init_lora_weights, neutral values', async () => {
    const dir = await peftLoraDir({
      exclude_modules: ['blocks.1.attn.cAttn'],
      init_lora_weights: 'gaussian',
      megatron_config: null,
      rank_pattern: {},
    });
    const model = new GPT(config);
    await expect(loadAdapter(model, dir)).rejects.toThrow(
      /unexpected tensors in the file: base_model\.model\.blocks\.1\.attn\.cAttn/,
    );
    const ok = await peftLoraDir({ init_lora_weights: 'gaussian', megatron_config: null, rank_pattern: {} });
    await loadAdapter(model, ok);
    expect(adapterLayers(model).map(([p]) => p)).toEqual(['blocks.0.attn.cAttn', 'blocks.1.attn.cAttn']);
  });
});
