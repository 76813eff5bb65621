/**
 * ABBA in the layout of the authors' released code (github.com/CERT-Lab/abba, `abba.py`): the
 * config JSON holds exactly the fields of their `ABBAConfig` (r1, r2, alpha1, alpha2, dropout,
 * target_modules, bias, modules_to_save, init_lora_weights: their loader passes it to the
 * dataclass, so any other key would raise) and the tensors are keyed `<path>.lora_A1.default`,
 * `<path>.lora_B1.default`, ... with no PeftModel prefix and no `.weight`. Their scale is
 * s = sqrt(alpha1) sqrt(alpha2); from our 'rank' convention we write alpha1 = alpha2 = s.
 *
 * Two differences remain, and the docs say so: their loader reads `adapter_model.bin` (a torch
 * pickle), which webgrad does not write (convert with
 * `torch.save(safetensors.torch.load_file('adapter_model.safetensors'), 'adapter_model.bin')`),
 * and their module paths are those of the torch model they adapt, so the webgrad model must use
 * the same module names (our GPT does not match Hugging Face's).
 */

import type { Tensor } from '@webgrad/tensor';
import type { ABBALinear } from '../abba.js';
import type { AdapterLayer } from '../adapter-layer.js';
import { type AdapterConfig, type ResolvedConfig, scalingOf } from '../config.js';
import { exactKey, take } from './peft-common.js';
import { checkPeftOptions } from './peft-options.js';
import type { AdapterFiles, AdapterFormat } from './types.js';

const FIELDS = [
  'r1',
  'r2',
  'alpha1',
  'alpha2',
  'dropout',
  'target_modules',
  'bias',
  'modules_to_save',
  'init_lora_weights',
];
const FACTORS = { loraA1: 'lora_A1', loraB1: 'lora_B1', loraA2: 'lora_A2', loraB2: 'lora_B2' } as const;

function write(c: ResolvedConfig, layers: readonly (readonly [string, AdapterLayer])[]): AdapterFiles {
  const tensors: AdapterFiles['tensors'] = {};
  for (const [path, layer] of layers) {
    const l = layer as ABBALinear;
    for (const [field, name] of Object.entries(FACTORS))
      tensors[`${path}.${name}.default`] = l[field as keyof typeof FACTORS];
  }
  const s = scalingOf(c);
  const [alpha1, alpha2] = c.scaling === 'authors' ? [c.alpha, c.alpha2] : [s, s];
  const config = {
    r1: c.r1,
    r2: c.r2,
    alpha1,
    alpha2,
    dropout: c.dropout,
    // Their rule: a module is adapted when any target name is a substring of its path.
    target_modules: layers.map(([p]) => p),
    bias: 'none',
    modules_to_save: null,
    init_lora_weights: true,
  };
  return { config, tensors };
}

function readConfig(json: Record<string, unknown>, source: string): AdapterConfig {
  checkPeftOptions(json, FIELDS.slice(0, 6), source, 'ABBA (authors)');
  const t = json.target_modules;
  const names = typeof t === 'string' ? [t] : (t as string[]);
  const escaped = names.map(exactKey);
  return {
    method: 'abba',
    targetModules: new RegExp(escaped.join('|')), // substring match, as their apply_abba
    r1: json.r1 as number,
    r2: json.r2 as number,
    alpha: json.alpha1 as number,
    alpha2: json.alpha2 as number,
    scaling: 'authors',
    dropout: (json.dropout as number | undefined) ?? 0,
  };
}

export const abbaAuthors: AdapterFormat = {
  name: 'abba-authors',
  method: 'abba',
  recognises: (json) => json.peft_type === undefined && 'r1' in json && 'alpha1' in json,
  write,
  readConfig,
  readLayer(layer, path, tensors, problems, used): Record<string, Tensor> {
    const l = layer as ABBALinear;
    const out: Record<string, ReturnType<typeof take>> = {};
    for (const [field, name] of Object.entries(FACTORS))
      out[field] = take(tensors, `${path}.${name}.default`, l[field as keyof typeof FACTORS].shape, problems, used);
    return Object.values(out).every((v) => v !== undefined) ? (out as Record<string, Tensor>) : {};
  },
};
