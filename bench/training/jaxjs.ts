/**
 * The same steps in @jax-js/jax on its wasm device, as its users write them: a pure loss of a
 * parameter tree, `valueAndGrad`, the update inside one `jit`. jax-js arrays are consumed by each
 * use, so a value used twice is passed as `x.ref` once (its ownership rule); the step returns new
 * parameters (and optimizer state) that replace the old ones.
 * `eager` runs the same step without jit, for the second column the issue asks for.
 */
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

type Jax = typeof import('@jax-js/jax');
type A = InstanceType<Jax['Array']>;
type Tree = Record<string, A>;

let jaxPromise: Promise<Jax | undefined> | undefined;

/** jax-js on its wasm device, or undefined (with a one-line reason) where it cannot start. */
export function loadJax(): Promise<Jax | undefined> {
  jaxPromise ??= (async () => {
    try {
      const jax = await import('@jax-js/jax');
      await jax.init('wasm');
      jax.defaultDevice('wasm');
      return jax;
    } catch (e) {
      console.log(`(jax-js unavailable: ${e instanceof Error ? e.message : String(e)})`);
      return undefined;
    }
  })();
  return jaxPromise;
}

function arrays(jax: Jax, params: Record<string, Param>): Tree {
  return Object.fromEntries(Object.entries(params).map(([k, p]) => [k, jax.numpy.array(p.data).reshape(p.shape)]));
}

/** x [N, in] W^T + b (torch's Linear layout); consumes x, w and b. */
function linear(jax: Jax, x: A, w: A, b: A): A {
  return jax.numpy.matmul(x, w.transpose()).add(b);
}

/** Mean softmax cross-entropy against one-hot targets; consumes both. */
function crossEntropy(jax: Jax, logits: A, onehot: A, n: number): A {
  return jax.nn.logSoftmax(logits).mul(onehot).sum().neg().div(n);
}

/** A step runner: `update(params, ...data)` returns [loss, newParams, ...state]. */
function runner(
  jax: Jax,
  fn: (p: Tree, state: Tree[], ...data: A[]) => [A, Tree, ...Tree[]],
  params: Tree,
  state: Tree[],
  data: A[],
  jit: boolean,
): Step {
  const step = jit ? jax.jit(fn as never) : fn;
  let p = params;
  let s = state;
  return async () => {
    const [loss, next, ...nextState] = (step as typeof fn)(p, s, ...data.map((d) => d.ref));
    p = next;
    s = nextState;
    return (await loss.data())[0] as number;
  };
}

export function jaxMlp(jax: Jax, spec: MlpSpec, jit: boolean): Step {
  const np = jax.numpy;
  const b = mlpBatch(spec);
  const classes = spec.sizes[spec.sizes.length - 1] as number;
  const x = np.array(b.x).reshape([spec.batch, spec.sizes[0] as number]);
  const onehot = jax.nn.oneHot(np.array(b.labels, { dtype: np.int32 }), classes);
  const layers = spec.sizes.length - 1;
  const loss = (p: Tree, x: A, y: A): A => {
    let h = x;
    for (let i = 0; i < layers; i++) {
      h = linear(jax, h, p[`layers.${i}.weight`] as A, p[`layers.${i}.bias`] as A);
      if (i + 1 < layers) h = jax.nn.relu(h);
    }
    return crossEntropy(jax, h, y, spec.batch);
  };
  const update = (p: Tree, _s: Tree[], x: A, y: A): [A, Tree] => {
    const [l, g] = jax.valueAndGrad(loss)(jax.tree.ref(p), x, y) as [A, Tree];
    const next = Object.fromEntries(Object.entries(p).map(([k, w]) => [k, w.sub((g[k] as A).mul(spec.lr))]));
    return [l, next];
  };
  return runner(jax, update, arrays(jax, mlpParams(spec)), [], [x, onehot], jit);
}

function layerNorm(jax: Jax, x: A, w: A, b: A): A {
  const np = jax.numpy;
  const mean = np.mean(x.ref, -1, { keepdims: true });
  const centered = x.sub(mean);
  const variance = np.mean(np.square(centered.ref), -1, { keepdims: true });
  return centered
    .div(np.sqrt(variance.add(1e-5)))
    .mul(w)
    .add(b);
}

/** GPT-2's tanh GELU; consumes x. */
function gelu(jax: Jax, x: A): A {
  const np = jax.numpy;
  const inner = x.ref.add(np.power(x.ref, 3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(np.tanh(inner).add(1));
}

export function jaxGpt(jax: Jax, s: GptSpec, jit: boolean): Step {
  const np = jax.numpy;
  const [B, T, C, H] = [s.batch, s.ctx, s.width, s.heads];
  const D = C / H;
  const bt = gptBatch(s);
  const idx = np.array(bt.idx, { dtype: np.int32 }).reshape([B, T]);
  const onehot = jax.nn.oneHot(np.array(bt.targets, { dtype: np.int32 }), s.vocab);
  const maskBias = np
    .array(Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)))
    .reshape([T, T]);
  const heads = (t: A) => t.reshape([B, T, H, D]).transpose([0, 2, 1, 3]); // [B, H, T, D]
  const loss = (P: Tree, idx: A, y: A, mask: A): A => {
    const p = (k: string) => P[k] as A;
    let x = np.take(p('wte.weight').ref, idx, 0).add(p('wpe.weight')); // [B, T, C]
    for (let l = 0; l < s.layers; l++) {
      const q = (k: string) => p(`blocks.${l}.${k}`);
      const h = layerNorm(jax, x.ref, q('ln1.weight'), q('ln1.bias')).reshape([B * T, C]);
      const qkv = linear(jax, h, q('attn.cAttn.weight'), q('attn.cAttn.bias')).reshape([B, T, 3 * C]);
      const [qs, ks, vs] = np.split(qkv, 3, 2) as [A, A, A];
      const att = jax.nn.softmax(
        np
          .matmul(heads(qs), heads(ks).transpose([0, 1, 3, 2]))
          .mul(1 / Math.sqrt(D))
          .add(mask.ref),
      );
      const y = np
        .matmul(att, heads(vs))
        .transpose([0, 2, 1, 3])
        .reshape([B * T, C]);
      x = x.add(linear(jax, y, q('attn.cProj.weight'), q('attn.cProj.bias')).reshape([B, T, C]));
      const h2 = layerNorm(jax, x.ref, q('ln2.weight'), q('ln2.bias')).reshape([B * T, C]);
      const f = gelu(jax, linear(jax, h2, q('mlp.cFc.weight'), q('mlp.cFc.bias')));
      x = x.add(linear(jax, f, q('mlp.cProj.weight'), q('mlp.cProj.bias')).reshape([B, T, C]));
    }
    mask.dispose();
    const out = layerNorm(jax, x, p('lnF.weight'), p('lnF.bias')).reshape([B * T, C]);
    return crossEntropy(jax, np.matmul(out, p('wte.weight').transpose()), y, B * T);
  };
  // AdamW with bias correction; t travels in the state so a jitted step is traced once.
  const update = (p: Tree, [m, v, t]: Tree[], idx: A, y: A, mask: A): [A, Tree, Tree, Tree, Tree] => {
    const [l, g] = jax.valueAndGrad(loss)(jax.tree.ref(p), idx, y, mask) as [A, Tree];
    const step = (t as Tree).t as A;
    const c1 = np.power(ADAM.b1, step.ref).neg().add(1);
    const c2 = np.power(ADAM.b2, step.ref).neg().add(1);
    const [np2, nm, nv]: [Tree, Tree, Tree] = [{}, {}, {}];
    for (const [k, w] of Object.entries(p)) {
      const gk = g[k] as A;
      const mk = (m as Tree)[k] as A;
      const vk = (v as Tree)[k] as A;
      nm[k] = mk.mul(ADAM.b1).add(gk.ref.mul(1 - ADAM.b1));
      nv[k] = vk.mul(ADAM.b2).add(np.square(gk).mul(1 - ADAM.b2));
      const mHat = (nm[k] as A).ref.div(c1.ref);
      const vHat = (nv[k] as A).ref.div(c2.ref);
      np2[k] = w.mul(1 - s.lr * s.weightDecay).sub(mHat.div(np.sqrt(vHat).add(ADAM.eps)).mul(s.lr));
    }
    c1.dispose();
    c2.dispose();
    return [l, np2, nm, nv, { t: step.add(1) }];
  };
  const params = arrays(jax, gptParams(s));
  const zeros = () => Object.fromEntries(Object.entries(params).map(([k, w]) => [k, np.zerosLike(w.ref)]));
  const state = [zeros(), zeros(), { t: np.array([1]).reshape([]) }];
  return runner(jax, update as never, params, state, [idx, onehot, maskBias], jit);
}
