/**
 * Elementwise and reduction throughput: webgrad's CPU backend next to tfjs-core's CPU and WASM
 * backends and @jax-js/jax (wasm device; eagerly and under jit, where a case has a jax-js form),
 * timed interleaved in one run (see compareTimes). Each case includes reading the result back.
 *
 * usage: node bench/dist/run.js elementwise
 */
import { randn, type Tensor, tidy } from '@webgrad/tensor';
import { writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { loadTf, type Tf, useTfBackend } from './lib/tfjs.js';
import { compareTimes } from './lib/timing.js';
import { loadJax } from './training/jaxjs.js';

type TfTensor = ReturnType<Tf['tensor']>;
type Jax = NonNullable<Awaited<ReturnType<typeof loadJax>>>;
type JaxArray = InstanceType<Jax['Array']>;

interface Case {
  label: string;
  /** Elements touched (read + written) per call, for a Melem/s column. */
  elements: number;
  ours: (x: Tensor, y: Tensor) => Tensor;
  peer: (tf: Tf, x: TfTensor, y: TfTensor) => TfTensor;
  /** The same in jax-js (consumes x and y), for the cases the CPU suite compares with it. */
  jax?: (jax: Jax, x: JaxArray, y: JaxArray) => JaxArray;
  /** Shapes of the two operands. */
  shapes: [number[], number[]];
}

const M = 1024;
const SQRT_2_PI = Math.sqrt(2 / Math.PI);
const CASES: Case[] = [
  {
    label: 'gelu(x * w + w) (tanh form), [1024,1024], w [1024]',
    elements: M * M,
    shapes: [[M, M], [M]],
    ours: (x, w) => x.mul(w).add(w).gelu('tanh'),
    peer: (tf, x, w) => {
      const z = tf.add(tf.mul(x, w), w);
      const inner = tf.mul(tf.add(z, tf.mul(tf.pow(z, 3), 0.044715)), SQRT_2_PI);
      return tf.mul(tf.mul(z, 0.5), tf.add(tf.tanh(inner), 1));
    },
    jax: (jax, x, w) => jax.nn.gelu(x.mul(w.ref).add(w), { approximate: true }),
  },
  {
    label: 'softmax over rows of [1024,1024]',
    elements: M * M,
    shapes: [[M, M], [1]],
    ours: (x) => x.softmax(-1),
    peer: (tf, x) => tf.softmax(x),
    jax: (jax, x, y) => {
      y.dispose();
      return jax.nn.softmax(x, -1);
    },
  },
  {
    label: 'exp(x * y + x), 1M',
    elements: M * M,
    shapes: [[M * M], [M * M]],
    ours: (x, y) => x.mul(y).add(x).exp(),
    peer: (tf, x, y) => tf.exp(tf.add(tf.mul(x, y), x)),
  },
  {
    label: 'sum axis 0 of [1024,1024]',
    elements: M * M,
    shapes: [[M, M], [1]],
    ours: (x) => x.sum(0),
    peer: (tf, x) => tf.sum(x, 0),
    jax: (jax, x, y) => {
      y.dispose();
      return jax.numpy.sum(x, 0);
    },
  },
  {
    label: 'sum axis 1 of [1024,1024]',
    elements: M * M,
    shapes: [[M, M], [1]],
    ours: (x) => x.sum(1),
    peer: (tf, x) => tf.sum(x, 1),
    jax: (jax, x, y) => {
      y.dispose();
      return jax.numpy.sum(x, 1);
    },
  },
  {
    label: 'sum all of [1024,1024]',
    elements: M * M,
    shapes: [[M, M], [1]],
    ours: (x) => x.sum(),
    peer: (tf, x) => tf.sum(x),
  },
  {
    label: '[1024,1] + [1024,1024]',
    elements: M * M,
    shapes: [
      [M, 1],
      [M, M],
    ],
    ours: (x, y) => x.add(y),
    peer: (tf, x, y) => tf.add(x, y),
  },
  {
    label: '[1024] + [1024,1024]',
    elements: M * M,
    shapes: [[M], [M, M]],
    ours: (x, y) => x.add(y),
    peer: (tf, x, y) => tf.add(x, y),
  },
  {
    label: 'x^T + y, [1024,1024]',
    elements: M * M,
    shapes: [
      [M, M],
      [M, M],
    ],
    ours: (x, y) => x.transpose().add(y),
    peer: (tf, x, y) => tf.add(tf.transpose(x), y),
  },
  {
    label: 'max axis 1 of [64,1024,16]',
    elements: M * M,
    shapes: [[64, 1024, 16], [1]],
    ours: (x) => x.max(1),
    peer: (tf, x) => tf.max(x, 1),
  },
  {
    label: '[65536,16] + [16] (short rows)',
    elements: M * M,
    shapes: [[65536, 16], [16]],
    ours: (x, y) => x.add(y),
    peer: (tf, x, y) => tf.add(x, y),
  },
  {
    label: 'sum axis 1 of [65536,16]',
    elements: M * M,
    shapes: [[65536, 16], [1]],
    ours: (x) => x.sum(1),
    peer: (tf, x) => tf.sum(x, 1),
  },
];

/** tfjs on `backend`: the operands are made there, and each call switches to it first. */
async function tfPeer(tf: Tf, backend: 'cpu' | 'wasm', c: Case, x: Tensor, y: Tensor) {
  if (!(await useTfBackend(backend))) return undefined;
  const [tx, ty] = [
    tf.tensor(x.dataSync() as Float32Array, c.shapes[0]),
    tf.tensor(y.dataSync() as Float32Array, c.shapes[1]),
  ];
  const run = async () => {
    await useTfBackend(backend);
    const out = tf.tidy(() => c.peer(tf, tx, ty));
    await out.data();
    out.dispose();
  };
  return { run, dispose: () => tf.dispose([tx, ty]) };
}

/** jax-js, eagerly or under jit; `x.ref` keeps the operands alive across calls (jax-js consumes them). */
function jaxPeer(jax: Jax | undefined, c: Case, x: Tensor, y: Tensor, jit: boolean) {
  if (!jax || !c.jax) return undefined;
  const f = c.jax;
  const [jx, jy] = [
    jax.numpy.array(x.dataSync() as Float32Array).reshape(c.shapes[0]),
    jax.numpy.array(y.dataSync() as Float32Array).reshape(c.shapes[1]),
  ];
  const fn = jit ? jax.jit((a: JaxArray, b: JaxArray) => f(jax, a, b)) : (a: JaxArray, b: JaxArray) => f(jax, a, b);
  return async () => {
    const out = fn(jx.ref, jy.ref);
    await out.data();
  };
}

async function measure(tf: Tf, jax: Jax | undefined, c: Case): Promise<Row> {
  const [x, y] = c.shapes.map((s, i) => randn(s, { seed: i + 1 })) as [Tensor, Tensor];
  const ours = () => {
    const out = tidy(() => c.ours(x, y));
    out.dataSync();
    out.dispose();
  };
  const [cpu, wasm] = [await tfPeer(tf, 'cpu', c, x, y), await tfPeer(tf, 'wasm', c, x, y)];
  const t = await compareTimes(
    {
      webgrad: ours,
      tfjsCpu: cpu?.run,
      tfjsWasm: wasm?.run,
      jaxEager: jaxPeer(jax, c, x, y, false),
      jaxJit: jaxPeer(jax, c, x, y, true),
    },
    { warmup: 2, reps: 9, budgetMs: 6000 },
  );
  x.dispose();
  y.dispose();
  cpu?.dispose();
  wasm?.dispose();
  const ms = (k: keyof typeof t) => t[k]?.median ?? Number.NaN;
  const ourMs = ms('webgrad');
  return {
    case: c.label,
    'webgrad ms': ourMs,
    'webgrad Melem/s': c.elements / (ourMs * 1e3),
    'tfjs-cpu / webgrad': ms('tfjsCpu') / ourMs,
    'tfjs-wasm / webgrad': ms('tfjsWasm') / ourMs,
    'jax-js eager / webgrad': ms('jaxEager') / ourMs,
    'jax-js jit / webgrad': ms('jaxJit') / ourMs,
  };
}

export async function main(): Promise<void> {
  const tf = await loadTf();
  const jax = await loadJax();
  const rows: Row[] = [];
  for (const c of CASES) rows.push(await measure(tf, jax, c));
  const note =
    'float32, median ms incl. readback; columns "peer / webgrad" are time ratios (> 1: webgrad is faster); interleaved in one run; "-" where a peer has no such case here.';
  printTable(rows, note);
  const path = writeResult('elementwise-cpu', `${note}\n\n${markdownTable(rows)}`, 'elementwise and reductions, CPU');
  console.log(`\nwrote ${path}`);
}
