/**
 * ABBA as PEFT's LoHa (peft_type "LOHA"). LoHa's update is ABBA's:
 *   dW = (alpha / r) (hada_w1_a hada_w1_b) ⊙ (hada_w2_a hada_w2_b),
 * so B1 -> hada_w1_a [out, r], A1 -> hada_w1_b [r, in], B2 -> hada_w2_a, A2 -> hada_w2_b, and
 * alpha = s r gives LoHa's scale alpha / r = s. LoHa has one rank for both pairs: with r1 != r2
 * the smaller pair is padded with zero columns of B and zero rows of A (B A is unchanged) to
 * r = max(r1, r2). On load, webgrad's own metadata restores r1 and r2 (the padding must still be
 * zero); a LoHa file made elsewhere loads as ABBA with r1 = r2 = r and alpha = LoHa's alpha.
 * LoHa has no input dropout: an ABBA dropout is kept in webgrad's metadata only.
 */
import { concat, type Tensor, zeros } from '@webgrad/tensor';
import type { ABBALinear } from '../abba.js';
import type { AdapterLayer } from '../adapter-layer.js';
import { type AdapterConfig, moduleConfig, type ResolvedConfig, scalingOf } from '../config.js';
import { PEFT_PREFIX, patternFromPeft, patternOf, take, targetsFromPeft, targetsToPeft } from './peft-common.js';
import { checkPeftOptions } from './peft-options.js';
import type { AdapterFiles, AdapterFormat } from './types.js';

const MODELLED = ['r', 'alpha', 'target_modules', 'exclude_modules', 'rank_pattern', 'alpha_pattern'];

/** LoHa's rank and alpha for an ABBA module config. */
function lohaRankAlpha(c: ResolvedConfig): [number, number] {
  const r = Math.max(c.r1, c.r2);
  return [r, scalingOf(c) * r];
}

/** `t` with zero columns (axis 1) or rows (axis 0) appended up to `n`. */
function padTo(t: Tensor, n: number, axis: 0 | 1): Tensor {
  const have = t.shape[axis] as number;
  if (have === n) return t;
  const shape = [...t.shape];
  shape[axis] = n - have;
  return concat([t, zeros(shape, { dtype: t.dtype, device: t.device })], axis);
}

function write(c: ResolvedConfig, layers: readonly (readonly [string, AdapterLayer])[]): AdapterFiles {
  const tensors: AdapterFiles['tensors'] = {};
  for (const [path, layer] of layers) {
    const l = layer as ABBALinear;
    const [r] = lohaRankAlpha(moduleConfig(c, path));
    const key = `${PEFT_PREFIX}${path}.hada_`;
    tensors[`${key}w1_a`] = padTo(l.loraB1, r, 1);
    tensors[`${key}w1_b`] = padTo(l.loraA1, r, 0);
    tensors[`${key}w2_a`] = padTo(l.loraB2, r, 1);
    tensors[`${key}w2_b`] = padTo(l.loraA2, r, 0);
  }
  const [r, alpha] = lohaRankAlpha(c);
  const config = {
    peft_type: 'LOHA',
    task_type: null,
    base_model_name_or_path: null,
    inference_mode: true,
    r,
    alpha,
    rank_dropout: 0,
    module_dropout: 0,
    target_modules: targetsToPeft(c.targetModules),
    exclude_modules: targetsToPeft(c.excludeModules),
    rank_pattern: patternOf(layers, (p) => lohaRankAlpha(moduleConfig(c, p))[0], r),
    alpha_pattern: patternOf(layers, (p) => lohaRankAlpha(moduleConfig(c, p))[1], alpha),
    use_effective_conv2d: false,
    modules_to_save: null,
    init_weights: true,
  };
  return { config, tensors };
}

function readConfig(json: Record<string, unknown>, source: string): AdapterConfig {
  checkPeftOptions(json, MODELLED, source, 'LoHa');
  const r = json.r as number;
  return {
    method: 'abba',
    targetModules: targetsFromPeft(json.target_modules, 'target_modules', source) ?? [],
    excludeModules: targetsFromPeft(json.exclude_modules, 'exclude_modules', source),
    r1: r,
    r2: r,
    // scaling 'rank': s = alpha / sqrt(r1 r2) = alpha / r, LoHa's scale.
    alpha: json.alpha as number,
    scaling: 'rank',
    rankPattern: patternFromPeft(json.rank_pattern, 'rank_pattern', source),
    alphaPattern: patternFromPeft(json.alpha_pattern, 'alpha_pattern', source),
  };
}

/** The first `n` columns (axis 1) or rows (axis 0) of `t`, after checking the rest is zero. */
function unpad(t: Tensor, n: number, axis: 0 | 1, key: string, problems: string[]): Tensor {
  const have = t.shape[axis] as number;
  if (have === n) return t;
  const rest = axis === 1 ? t.slice(null, [n, have]) : t.slice([n, have]);
  if (rest.abs().max().dataSync()[0] !== 0)
    problems.push(
      `${key}: the padding of the smaller ABBA pair (beyond rank ${n}) is not zero, so the file is not webgrad's r1/r2 adapter`,
    );
  return axis === 1 ? t.slice(null, [0, n]) : t.slice([0, n]);
}

export const peftLoha: AdapterFormat = {
  name: 'peft-loha',
  method: 'abba',
  recognises: (json) => json.peft_type === 'LOHA',
  write,
  readConfig,
  readLayer(layer, path, tensors, problems, used): Record<string, Tensor> {
    const l = layer as ABBALinear;
    const r = Math.max(l.r1, l.r2);
    const [m, n] = [l.outFeatures, l.inFeatures];
    const key = `${PEFT_PREFIX}${path}.hada_`;
    const got = {
      loraB1: take(tensors, `${key}w1_a`, [m, r], problems, used),
      loraA1: take(tensors, `${key}w1_b`, [r, n], problems, used),
      loraB2: take(tensors, `${key}w2_a`, [m, r], problems, used),
      loraA2: take(tensors, `${key}w2_b`, [r, n], problems, used),
    };
    if (!got.loraB1 || !got.loraA1 || !got.loraB2 || !got.loraA2) return {};
    return {
      loraB1: unpad(got.loraB1, l.r1, 1, `${key}w1_a`, problems),
      loraA1: unpad(got.loraA1, l.r1, 0, `${key}w1_b`, problems),
      loraB2: unpad(got.loraB2, l.r2, 1, `${key}w2_a`, problems),
      loraA2: unpad(got.loraA2, l.r2, 0, `${key}w2_b`, problems),
    };
  },
};
