/**
 * LoRA in PEFT's own format (peft_type "LORA"): `base_model.model.<path>.lora_A.weight` [r, in]
 * and `lora_B.weight` [out, r], dW = (alpha / r) B A (alpha / sqrt(r) with use_rslora), per-module
 * r and alpha in `rank_pattern` / `alpha_pattern`. PEFT loads these files as they are.
 */
import type { Tensor } from '@webgrad/tensor';
import type { AdapterLayer } from '../adapter-layer.js';
import { type AdapterConfig, moduleConfig, type ResolvedConfig } from '../config.js';
import type { LoRALinear } from '../lora.js';
import { PEFT_PREFIX, patternFromPeft, patternOf, take, targetsFromPeft, targetsToPeft } from './peft-common.js';
import { checkPeftOptions } from './peft-options.js';
import type { AdapterFiles, AdapterFormat } from './types.js';

const MODELLED = [
  'r',
  'lora_alpha',
  'lora_dropout',
  'use_rslora',
  'target_modules',
  'exclude_modules',
  'rank_pattern',
  'alpha_pattern',
];

function write(c: ResolvedConfig, layers: readonly (readonly [string, AdapterLayer])[]): AdapterFiles {
  const tensors: AdapterFiles['tensors'] = {};
  for (const [path, layer] of layers) {
    const l = layer as LoRALinear;
    tensors[`${PEFT_PREFIX}${path}.lora_A.weight`] = l.loraA;
    tensors[`${PEFT_PREFIX}${path}.lora_B.weight`] = l.loraB;
  }
  const config = {
    peft_type: 'LORA',
    task_type: null,
    base_model_name_or_path: null,
    inference_mode: true,
    r: c.r,
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    use_rslora: c.useRsLora,
    target_modules: targetsToPeft(c.targetModules),
    exclude_modules: targetsToPeft(c.excludeModules),
    rank_pattern: patternOf(layers, (p) => moduleConfig(c, p).r, c.r),
    alpha_pattern: patternOf(layers, (p) => moduleConfig(c, p).alpha, c.alpha),
    bias: 'none',
    fan_in_fan_out: false,
    modules_to_save: null,
    init_lora_weights: true,
  };
  return { config, tensors };
}

function readConfig(json: Record<string, unknown>, source: string): AdapterConfig {
  checkPeftOptions(json, MODELLED, source, 'LoRA');
  return {
    method: 'lora',
    targetModules: targetsFromPeft(json.target_modules, 'target_modules', source) ?? [],
    excludeModules: targetsFromPeft(json.exclude_modules, 'exclude_modules', source),
    r: json.r as number,
    alpha: json.lora_alpha as number,
    useRsLora: json.use_rslora === true,
    dropout: (json.lora_dropout as number | undefined) ?? 0,
    rankPattern: patternFromPeft(json.rank_pattern, 'rank_pattern', source),
    alphaPattern: patternFromPeft(json.alpha_pattern, 'alpha_pattern', source),
  };
}

export const peftLora: AdapterFormat = {
  name: 'peft-lora',
  method: 'lora',
  recognises: (json) => json.peft_type === 'LORA',
  write,
  readConfig,
  readLayer(layer, path, tensors, problems, used): Record<string, Tensor> {
    const l = layer as LoRALinear;
    const a = take(tensors, `${PEFT_PREFIX}${path}.lora_A.weight`, l.loraA.shape, problems, used);
    const b = take(tensors, `${PEFT_PREFIX}${path}.lora_B.weight`, l.loraB.shape, problems, used);
    return a && b ? { loraA: a, loraB: b } : {};
  },
};
