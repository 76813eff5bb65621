/**
 * The same steps in tfjs-core (run on its cpu or wasm backend): the forward written with tf ops
 * as a tfjs user would, `tf.variableGrads` for the gradients, SGD / AdamW updates by hand (tfjs
 * has no AdamW), everything inside `tf.tidy`.
 */
import type { Tf } from '../lib/tfjs.js';
import {
  ADAM,
  type GptSpec,
  gptBatch,
  gptParams,
  type MlpSpec,
  mlpBatch,
  mlpParams,
  type Param,
  type Step,
} from './spec.js';

type T = ReturnType<Tf['tensor']>;
type V = ReturnType<Tf['variable']>;

function variables(tf: Tf, params: Record<string, Param>): Record<string, V> {
  return Object.fromEntries(
    Object.entries(params).map(([k, p]) => [
      k,
      tf.variable(tf.tensor(p.data, p.shape), true, `bench.${k}.${Math.random()}`),
    ]),
  );
}

/** x [N, in] W^T + b, as torch's Linear (W [out, in]). */
const linear = (tf: Tf, x: T, w: T, b: T) => tf.add(tf.matMul(x, w, false, true), b);

/** A step that differentiates `loss` and updates every variable with `update`. */
function stepOf(tf: Tf, vars: Record<string, V>, loss: () => T, update: (name: string, v: V, g: T) => void): Step {
  const list = Object.values(vars);
  return async () => {
    const value = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss as () => ReturnType<Tf['scalar']>, list);
      for (const [name, v] of Object.entries(vars)) update(name, v, grads[v.name] as T);
      return value;
    });
    const [out] = await value.data();
    value.dispose();
    return out as number;
  };
}

export function tfjsMlp(tf: Tf, spec: MlpSpec): Step {
  const vars = variables(tf, mlpParams(spec));
  const b = mlpBatch(spec);
  const classes = spec.sizes[spec.sizes.length - 1] as number;
  const x = tf.tensor(b.x, [spec.batch, spec.sizes[0] as number]);
  const onehot = tf.oneHot(tf.tensor(b.labels, [spec.batch], 'int32'), classes);
  const layers = spec.sizes.length - 1;
  const loss = () => {
    let h: T = x;
    for (let i = 0; i < layers; i++) {
      h = linear(tf, h, vars[`layers.${i}.weight`] as T, vars[`layers.${i}.bias`] as T);
      if (i + 1 < layers) h = tf.relu(h);
    }
    return tf.losses.softmaxCrossEntropy(onehot, h);
  };
  return stepOf(tf, vars, loss, (_n, v, g) => v.assign(tf.sub(v, tf.mul(g, spec.lr))));
}

function layerNorm(tf: Tf, x: T, w: T, b: T): T {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), w), b);
}

/** GPT-2's tanh GELU. */
function gelu(tf: Tf, x: T): T {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

export function tfjsGpt(tf: Tf, s: GptSpec): Step {
  const vars = variables(tf, gptParams(s));
  const P = (k: string) => vars[k] as T;
  const bt = gptBatch(s);
  const [B, Tn, C, H] = [s.batch, s.ctx, s.width, s.heads];
  const D = C / H;
  // The embedding lookup as onehot(idx) @ wte: tfjs-wasm has no kernel for gather's gradient
  // (UnsortedSegmentSum), and with a 13-token vocabulary the product is cheap.
  const idxOnehot = tf.cast(tf.oneHot(tf.tensor(bt.idx, [B * Tn], 'int32'), s.vocab), 'float32');
  const onehot = tf.oneHot(tf.tensor(bt.targets, [B * Tn], 'int32'), s.vocab);
  // -1e9 above the diagonal: softmax gives those keys weight 0, as nn.GPT's masked where.
  const maskBias = tf.tensor(
    Float32Array.from({ length: Tn * Tn }, (_, i) => (i % Tn > Math.floor(i / Tn) ? -1e9 : 0)),
    [Tn, Tn],
  );
  const heads = (t: T) => tf.transpose(tf.reshape(t, [B, Tn, H, D]), [0, 2, 1, 3]); // [B, H, T, D]
  const loss = () => {
    let x: T = tf.add(tf.reshape(tf.matMul(idxOnehot, P('wte.weight')), [B, Tn, C]), P('wpe.weight')); // [B, T, C]
    for (let l = 0; l < s.layers; l++) {
      const p = (k: string) => P(`blocks.${l}.${k}`);
      const h = tf.reshape(layerNorm(tf, x, p('ln1.weight'), p('ln1.bias')), [B * Tn, C]);
      const [q, k, v] = tf.split(
        tf.reshape(linear(tf, h, p('attn.cAttn.weight'), p('attn.cAttn.bias')), [B, Tn, 3 * C]),
        3,
        2,
      );
      const att = tf.softmax(
        tf.add(tf.mul(tf.matMul(heads(q as T), heads(k as T), false, true), 1 / Math.sqrt(D)), maskBias),
      );
      const y = tf.reshape(tf.transpose(tf.matMul(att, heads(v as T)), [0, 2, 1, 3]), [B * Tn, C]);
      x = tf.add(x, tf.reshape(linear(tf, y, p('attn.cProj.weight'), p('attn.cProj.bias')), [B, Tn, C]));
      const h2 = tf.reshape(layerNorm(tf, x, p('ln2.weight'), p('ln2.bias')), [B * Tn, C]);
      const f = gelu(tf, linear(tf, h2, p('mlp.cFc.weight'), p('mlp.cFc.bias')));
      x = tf.add(x, tf.reshape(linear(tf, f, p('mlp.cProj.weight'), p('mlp.cProj.bias')), [B, Tn, C]));
    }
    const out = tf.reshape(layerNorm(tf, x, P('lnF.weight'), P('lnF.bias')), [B * Tn, C]);
    return tf.losses.softmaxCrossEntropy(onehot, tf.matMul(out, P('wte.weight'), false, true));
  };
  const m = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, tf.variable(tf.zerosLike(v), false)]));
  const vv = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, tf.variable(tf.zerosLike(v), false)]));
  let t = 0;
  const step = stepOf(tf, vars, loss, (name, p, g) => {
    const [mi, vi] = [m[name] as V, vv[name] as V];
    mi.assign(tf.add(tf.mul(mi, ADAM.b1), tf.mul(g, 1 - ADAM.b1)));
    vi.assign(tf.add(tf.mul(vi, ADAM.b2), tf.mul(tf.square(g), 1 - ADAM.b2)));
    const mHat = tf.div(mi, 1 - ADAM.b1 ** t);
    const vHat = tf.div(vi, 1 - ADAM.b2 ** t);
    const decayed = tf.mul(p, 1 - s.lr * s.weightDecay); // decoupled decay (AdamW)
    p.assign(tf.sub(decayed, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), ADAM.eps)), s.lr)));
  });
  return () => {
    t++;
    return step();
  };
}
