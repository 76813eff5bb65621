import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT, gptConfigFromHF, loadGPT2, saveSafetensors } from '@webgrad/nn';
import { type Tensor, tensor } from '@webgrad/tensor';
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

/** Our GPT's weights written under Hugging Face's names, Conv1D weights as [in, out]. */
function asHF(model: GPT): Record<string, Tensor> {
  const hf: Record<string, Tensor> = {};
  const conv = /^blocks\.(\d+)\.(attn\.cAttn|attn\.cProj|mlp\.cFc|mlp\.cProj)\.(weight|bias)$/;
  const names: Record<string, string> = {
    'attn.cAttn': 'attn.c_attn',
    'attn.cProj': 'attn.c_proj',
    'mlp.cFc': 'mlp.c_fc',
    'mlp.cProj': 'mlp.c_proj',
  };
  for (const [name, p] of model.namedParameters()) {
    const m = conv.exec(name);
    if (m) hf[`transformer.h.${m[1]}.${names[m[2] as string]}.${m[3]}`] = m[3] === 'weight' ? p.mT.contiguous() : p;
    else if (name.startsWith('blocks.'))
      hf[`transformer.h.${name.slice(7).replace('.ln1.', '.ln_1.').replace('.ln2.', '.ln_2.')}`] = p;
    else if (name.startsWith('lnF.')) hf[`transformer.ln_f.${name.slice(4)}`] = p;
    else hf[`transformer.${name}`] = p;
  }
  return hf;
}

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
    await saveSafetensors(join(dir, 'model.safetensors'), { ...asHF(src), 'transformer.h.0.attn.bias': tensor([1]) });
    const loaded = await loadGPT2(dir);
    const idx = tensor([[1, 5, 3, 9]], { dtype: 'int32' });
    expect(Array.from(loaded.forward(idx).dataSync())).toEqual(Array.from(src.forward(idx).dataSync()));
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
