/**
 * HiRA in PEFT's format (peft_type "HIRA"): `base_model.model.<path>.hira_A` [r, in] and `hira_B`
 * [out, r] (no `.weight` suffix: PEFT stores them as plain parameters), dW = W0 ⊙ (B A). PEFT's
 * HiRA has no scale, so ours is folded into B on the way out (B_file = s B) and divided out on the
 * way in (B = B_file / s, s from the config; a PEFT-made file loads with alpha = r, so s = 1).
 */
import type { Tensor } from '@webgrad/tensor';
import type { AdapterLayer } from '../adapter-layer.js';
import { type AdapterConfig, moduleConfig, type ResolvedConfig } from '../config.js';
import type { HiRALinear } from '../hira.js';
import { PEFT_PREFIX, patternFromPeft, patternOf, take, targetsFromPeft, targetsToPeft } from './peft-common.js';
import { checkPeftOptions } from './peft-options.js';
import type { AdapterFiles, AdapterFormat } from './types.js';

const MODELLED = ['r', 'hira_dropout', 'target_modules', 'exclude_modules', 'rank_pattern'];

function write(c: ResolvedConfig, layers: readonly (readonly [string, AdapterLayer])[]): AdapterFiles {
  const tensors: AdapterFiles['tensors'] = {};
  for (const [path, layer] of layers) {
    const l = layer as HiRALinear;
    tensors[`${PEFT_PREFIX}${path}.hira_A`] = l.hiraA;
    tensors[`${PEFT_PREFIX}${path}.hira_B`] = l.scale === 1 ? l.hiraB : l.hiraB.mul(l.scale);
  }
  const config = {
    peft_type: 'HIRA',
    task_type: null,
    base_model_name_or_path: null,
    inference_mode: true,
    r: c.r,
    hira_dropout: c.dropout,
    target_modules: targetsToPeft(c.targetModules),
    exclude_modules: targetsToPeft(c.excludeModules),
    rank_pattern: patternOf(layers, (p) => moduleConfig(c, p).r, c.r),
    fan_in_fan_out: false,
    modules_to_save: null,
    init_weights: true,
  };
  return { config, tensors };
}

function readConfig(json: Record<string, unknown>, source: string): AdapterConfig {
  checkPeftOptions(json, MODELLED, source, 'HiRA');
  const rankPattern = patternFromPeft(json.rank_pattern, 'rank_pattern', source) ?? {};
  // alpha = r everywhere (s = 1): PEFT's HiRA update carries no scale.
  const alphaPattern = Object.fromEntries(Object.entries(rankPattern));
  return {
    method: 'hira',
    targetModules: targetsFromPeft(json.target_modules, 'target_modules', source) ?? [],
    excludeModules: targetsFromPeft(json.exclude_modules, 'exclude_modules', source),
    r: json.r as number,
    alpha: json.r as number,
    dropout: (json.hira_dropout as number | undefined) ?? 0,
    rankPattern,
    alphaPattern,
  };
}

export const peftHira: AdapterFormat = {
  name: 'peft-hira',
  method: 'hira',
  recognises: (json) => json.peft_type === 'HIRA',
  write,
  readConfig,
  readLayer(layer, path, tensors, problems, used): Record<string, Tensor> {
    const l = layer as HiRALinear;
    const a = take(tensors, `${PEFT_PREFIX}${path}.hira_A`, l.hiraA.shape, problems, used);
    const b = take(tensors, `${PEFT_PREFIX}${path}.hira_B`, l.hiraB.shape, problems, used);
    return a && b ? { hiraA: a, hiraB: l.scale === 1 ? b : b.div(l.scale) } : {};
  },
};
