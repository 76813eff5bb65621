/**
 * GPT-2 checkpoints in Hugging Face's layout (`GPT2LMHeadModel.save_pretrained`: `config.json`
 * plus `model.safetensors`, or shards listed in `model.safetensors.index.json`) loaded into our
 * GPT. Two differences need care:
 * - names: `transformer.h.0.attn.c_attn.weight` is our `blocks.0.attn.cAttn.weight`, and so on;
 * - HF's Conv1D stores its weight as [in, out] (y = x W + b) where Linear stores [out, in]
 *   (y = x W^T + b), so every Conv1D weight is transposed on the way in.
 * The attention-mask buffers HF may save (`attn.bias`, `attn.masked_bias`) are not weights and are
 * skipped; a tied `lm_head.weight` is the token embedding. Config options our GPT does not model
 * are rejected by name instead of being ignored.
 */
import { type Device, type DType, platform, type Tensor, TensorError } from '@webgrad/tensor';
import { GPT, type GPTConfig } from './gpt.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

/** Hugging Face GPT-2 `activation_function` values and the GELU form each one is. */
const ACTIVATIONS: Record<string, 'none' | 'tanh'> = {
  gelu_new: 'tanh',
  gelu_pytorch_tanh: 'tanh',
  gelu: 'none',
};

/** GPT-2's vocabulary: 50,257 byte-level BPE tokens, the last one <|endoftext|>. */
const GPT2_VOCAB = 50257;

/** HF config options with the one value our GPT implements. */
const FIXED_OPTIONS: Record<string, unknown> = {
  scale_attn_weights: true,
  scale_attn_by_inverse_layer_idx: false,
  reorder_and_upcast_attn: false,
  add_cross_attention: false,
};

function fail(source: string, message: string): never {
  throw new TensorError('value', `loadGPT2: ${source}: ${message}`);
}

function positiveInt(json: Record<string, unknown>, key: string, source: string): number {
  const v = json[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
    fail(source, `${key} must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Our GPTConfig for a Hugging Face GPT-2 `config.json` object. Dropout is 0 (inference and
 * adapter fine-tuning; pass your own to `loadGPT2`).
 * @example gptConfigFromHF({ vocab_size: 50257, n_positions: 1024, n_embd: 768, n_layer: 12, n_head: 12 })
 */
export function gptConfigFromHF(json: Record<string, unknown>, source = 'config.json'): GPTConfig {
  if (json.model_type !== undefined && json.model_type !== 'gpt2')
    fail(source, `model_type is ${JSON.stringify(json.model_type)}; only "gpt2" checkpoints are supported`);
  for (const [key, value] of Object.entries(FIXED_OPTIONS))
    if (json[key] !== undefined && json[key] !== value)
      fail(
        source,
        `${key} = ${JSON.stringify(json[key])} is not supported (webgrad's GPT implements ${key} = ${value})`,
      );
  const act = (json.activation_function as string | undefined) ?? 'gelu_new';
  const gelu = ACTIVATIONS[act];
  if (!gelu)
    fail(source, `activation_function "${act}" is not supported (supported: ${Object.keys(ACTIVATIONS).join(', ')})`);
  const nEmbd = positiveInt(json, 'n_embd', source);
  if (json.n_inner !== undefined && json.n_inner !== null && json.n_inner !== 4 * nEmbd)
    fail(source, `n_inner = ${json.n_inner} is not supported (webgrad's GPT uses 4 * n_embd = ${4 * nEmbd})`);
  const eps = json.layer_norm_epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(eps > 0)) fail(source, `layer_norm_epsilon must be a positive number, got ${eps}`);
  return {
    vocabSize: positiveInt(json, 'vocab_size', source),
    blockSize: positiveInt(json, 'n_positions', source),
    nLayer: positiveInt(json, 'n_layer', source),
    nHead: positiveInt(json, 'n_head', source),
    nEmbd,
    bias: true,
    tieWeights: json.tie_word_embeddings !== false,
    gelu,
    layerNormEps: eps,
    dropout: 0,
  };
}

/** HF module names (after `h.<i>.`) -> ours (after `blocks.<i>.`), and whether the weight is a Conv1D's. */
const BLOCK_NAMES: Record<string, [string, boolean]> = {
  ln_1: ['ln1', false],
  'attn.c_attn': ['attn.cAttn', true],
  'attn.c_proj': ['attn.cProj', true],
  ln_2: ['ln2', false],
  'mlp.c_fc': ['mlp.cFc', true],
  'mlp.c_proj': ['mlp.cProj', true],
};

/** Our parameter name for a HF GPT-2 key (without `transformer.`), whether to transpose, or 'skip'. */
function ourName(key: string, tied: boolean): [string, boolean] | 'skip' | undefined {
  if (key === 'wte.weight' || key === 'wpe.weight') return [key, false];
  if (key === 'ln_f.weight' || key === 'ln_f.bias') return [`lnF.${key.slice(5)}`, false];
  if (key === 'lm_head.weight') return tied ? 'skip' : ['lmHead.weight', false];
  const m = /^h\.(\d+)\.(.+)\.(weight|bias)$/.exec(key);
  if (!m) return undefined;
  const [, layer, module, param] = m as unknown as [string, string, string, string];
  if (module === 'attn' && param === 'bias') return 'skip'; // the causal-mask buffer of older checkpoints
  const mapped = BLOCK_NAMES[module];
  if (!mapped) return undefined;
  return [`blocks.${layer}.${mapped[0]}.${param}`, mapped[1] && param === 'weight'];
}

/**
 * Renames a Hugging Face GPT-2 state dict (with or without the `transformer.` prefix) to our
 * GPT's names and transposes the Conv1D weights. The input tensors are not disposed.
 * @example model.loadStateDict(fromHFGPT2StateDict(await loadSafetensors('model.safetensors'), model.config));
 */
export function fromHFGPT2StateDict(
  hf: Record<string, Tensor>,
  config: GPTConfig,
  source = 'model.safetensors',
): Record<string, Tensor> {
  const tied = config.tieWeights !== false;
  const out: Record<string, Tensor> = Object.create(null);
  const unknown: string[] = [];
  for (const [rawKey, t] of Object.entries(hf)) {
    const key = rawKey.startsWith('transformer.') ? rawKey.slice('transformer.'.length) : rawKey;
    if (key.endsWith('.attn.masked_bias')) continue; // a constant buffer of older checkpoints
    const mapped = ourName(key, tied);
    if (mapped === 'skip') continue;
    if (!mapped) {
      unknown.push(rawKey);
      continue;
    }
    const [name, transpose] = mapped;
    out[name] = transpose ? t.mT.contiguous() : t;
  }
  if (unknown.length > 0) fail(source, `keys that are not GPT-2 weights: ${unknown.join(', ')}`);
  return out;
}

/** Options of `loadGPT2`. */
export interface LoadGPT2Options {
  device?: Device;
  /** Parameter dtype (default float32; half-precision files are widened on load). */
  dtype?: DType;
  /** Dropout of the loaded model (default 0). */
  dropout?: number;
}

/** Every safetensors file of the checkpoint in `dir`, sharded or not. */
async function weightFiles(dir: string): Promise<string[]> {
  const index = platform.joinPath(dir, 'model.safetensors.index.json');
  let text: string | undefined;
  try {
    text = new TextDecoder().decode(await platform.readFile(index));
  } catch {
    return [platform.joinPath(dir, 'model.safetensors')];
  }
  const map = (JSON.parse(text) as { weight_map?: Record<string, string> }).weight_map;
  if (!map) fail(index, 'has no weight_map');
  return [...new Set(Object.values(map))].map((f) => platform.joinPath(dir, f));
}

/**
 * Loads a Hugging Face GPT-2 checkpoint directory (`config.json` + `model.safetensors`, as
 * `save_pretrained` writes it) into a new GPT; the model then gives transformers' logits.
 * Tokenize with a GPT-2 BPE tokenizer package (the README of examples/gpt2 shows one).
 * @example const gpt2 = await loadGPT2('checkpoints/gpt2'); gpt2.forward(ids); // [B, T, 50257]
 */
export async function loadGPT2(dir: string, opts: LoadGPT2Options = {}): Promise<GPT> {
  const configPath = platform.joinPath(dir, 'config.json');
  const json = JSON.parse(new TextDecoder().decode(await platform.readFile(configPath))) as Record<string, unknown>;
  const config: GPTConfig = { ...gptConfigFromHF(json, configPath), device: opts.device, dtype: opts.dtype };
  if (opts.dropout !== undefined) config.dropout = opts.dropout;
  const hf: Record<string, Tensor> = Object.create(null);
  try {
    for (const file of await weightFiles(dir)) Object.assign(hf, await loadSafetensors(file, { device: opts.device }));
    const record = fromHFGPT2StateDict(hf, config, dir);
    const dtype = opts.dtype ?? 'float32';
    for (const [k, t] of Object.entries(record)) if (t.dtype !== dtype) record[k] = t.cast(dtype);
    const model = new GPT(config);
    model.loadStateDict(record);
    return model;
  } finally {
    for (const t of Object.values(hf)) t.dispose();
  }
}

/**
 * Our GPT's parameters under Hugging Face GPT-2 names (`transformer.h.0.attn.c_attn.weight`, ...),
 * Conv1D weights transposed to [in, out]: what `GPT2LMHeadModel.load_state_dict` expects. The
 * transposed weights are new tensors; the others are the parameters themselves.
 * @example await saveSafetensors('model.safetensors', toHFGPT2StateDict(model));
 */
export function toHFGPT2StateDict(model: GPT): Record<string, Tensor> {
  const ours = new Map(Object.entries(BLOCK_NAMES).map(([hf, [name, conv]]) => [name, [hf, conv] as const]));
  const out: Record<string, Tensor> = Object.create(null);
  for (const [name, p] of model.namedParameters()) {
    const m = /^blocks\.(\d+)\.(.+)\.(weight|bias)$/.exec(name);
    if (m) {
      const [, layer, module, param] = m as unknown as [string, string, string, string];
      const [hf, conv] = ours.get(module) as readonly [string, boolean];
      out[`transformer.h.${layer}.${hf}.${param}`] = conv && param === 'weight' ? p.mT.contiguous() : p;
    } else if (name.startsWith('lnF.')) out[`transformer.ln_f.${name.slice(4)}`] = p;
    else if (name === 'lmHead.weight') out['lm_head.weight'] = p;
    else out[`transformer.${name}`] = p;
  }
  return out;
}

/** Hugging Face's config.json fields for our GPT's config (the inverse of gptConfigFromHF). */
export function gptConfigToHF(c: Readonly<GPTConfig>): Record<string, unknown> {
  if (c.bias === false)
    throw new TensorError('value', 'saveGPT2: GPT-2 has biases; a model with bias: false has no GPT-2 form');
  return {
    model_type: 'gpt2',
    architectures: ['GPT2LMHeadModel'],
    vocab_size: c.vocabSize,
    n_positions: c.blockSize,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: null,
    activation_function: c.gelu === 'tanh' ? 'gelu_new' : 'gelu',
    layer_norm_epsilon: c.layerNormEps ?? 1e-5,
    tie_word_embeddings: c.tieWeights !== false,
    resid_pdrop: c.dropout ?? 0,
    embd_pdrop: c.dropout ?? 0,
    attn_pdrop: c.dropout ?? 0,
    // GPT-2's <|endoftext|> (50256) opens and ends texts; a smaller vocabulary has no such token.
    bos_token_id: c.vocabSize === GPT2_VOCAB ? GPT2_VOCAB - 1 : null,
    eos_token_id: c.vocabSize === GPT2_VOCAB ? GPT2_VOCAB - 1 : null,
  };
}

/**
 * Writes `model` as a Hugging Face GPT-2 checkpoint directory (config.json + model.safetensors)
 * that `GPT2LMHeadModel.from_pretrained(dir)` and `loadGPT2(dir)` load.
 * @example await saveGPT2(model, 'out/my-gpt2');
 */
export async function saveGPT2(model: GPT, dir: string): Promise<void> {
  const config = gptConfigToHF(model.config);
  const record = toHFGPT2StateDict(model);
  await platform.mkdir(dir);
  try {
    await saveSafetensors(platform.joinPath(dir, 'model.safetensors'), record, { format: 'pt' });
    await platform.writeFileAtomic(platform.joinPath(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  } finally {
    const params = new Set(model.parameters());
    for (const t of Object.values(record)) if (!params.has(t)) t.dispose();
  }
}
