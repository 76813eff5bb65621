import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT, gptConfigFromHF, loadGPT2, saveGPT2, saveSafetensors, toHFGPT2StateDict } from '@webgrad/nn';
import { tensor } from '@webgrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'gpt2-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const HF_CONFIG = {
  model_type: 'gpt2',
  vocab_size: 11,
  n_positions: 8,
  n_embd: 12,
  n_layer: 2,
  n_head: 3,
  n_inner: null,
  activation_function: 'gelu_new',
  layer_norm_epsilon: 1e-5,
  scale_attn_weights: true,
};

describe('loadGPT2', () => {
  it('loads a Hugging Face layout (renamed keys, [in, out] Conv1D weights) into the same function', async () => {
    const config = gptConfigFromHF(HF_CONFIG);
    expect(config).toMatchObject({ nLayer: 2, nHead: 3, nEmbd: 12, blockSize: 8, gelu: 'tanh', tieWeights: true });
    const src = new GPT({ ...config, seed: 4 });
    // Non-zero biases, so that a bias mapped to the wrong place shows up in the logits.
    for (const [name, p] of src.namedParameters()) if (name.endsWith('bias')) p.assign(p.add(0.01 * name.length));
    const dir = join(root, 'ckpt');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(HF_CONFIG));
    await saveSafetensors(join(dir, 'model.safetensors'), {
      ...toHFGPT2StateDict(src),
      'transformer.h.0.attn.bias': tensor([1]),
    });
    const loaded = await loadGPT2(dir);
    const idx = tensor([[1, 5, 3, 9]], { dtype: 'int32' });
    expect(Array.from(loaded.forward(idx).dataSync())).toEqual(Array.from(src.forward(idx).dataSync()));
  });

  it('saveGPT2 writes a checkpoint directory that loadGPT2 reads back to the same function', async () => {
    const src = new GPT({ ...gptConfigFromHF(HF_CONFIG), seed: 7 });
    const dir = join(root, 'saved');
    await saveGPT2(src, dir);
    const idx = tensor([[2, 3, 4]], { dtype: 'int32' });
    expect(Array.from((await loadGPT2(dir)).forward(idx).dataSync())).toEqual(Array.from(src.forward(idx).dataSync()));
    expect(Object.keys(toHFGPT2StateDict(src))).toContain('transformer.h.1.mlp.c_proj.weight');
    expect(toHFGPT2StateDict(src)['transformer.h.0.attn.c_attn.weight']?.shape).toEqual([12, 36]); // Conv1D: [in, out]
  });

  it('rejects the options it does not model by name', () => {
    expect(() => gptConfigFromHF({ ...HF_CONFIG, scale_attn_by_inverse_layer_idx: true })).toThrow(
      /scale_attn_by_inverse_layer_idx = true is not supported/,
    );
    expect(() => gptConfigFromHF({ ...HF_CONFIG, n_inner: 7 })).toThrow(/n_inner = 7 is not supported/);
    expect(() => gptConfigFromHF({ ...HF_CONFIG, activation_function: 'relu' })).toThrow(
      /activation_function "relu" is not supported \(supported: gelu_new, gelu_pytorch_tanh, gelu\)/,
    );
    expect(() => gptConfigFromHF({ ...HF_CONFIG, model_type: 'llama' })).toThrow(/only "gpt2" checkpoints/);
  });
});
