/**
 * Per-example gradients (the DP-SGD / influence-function workload): the gradient of an MLP's
 * loss for each example of a batch separately, as [B, ...param] tensors. Three ways, timed
 * interleaved in one run (see compareTimes), with the readback of every gradient:
 *   - webgrad `vmap(grad(loss), { inAxes: [null, 0, 0] })`: one batched kernel per primitive;
 *   - webgrad, a JavaScript loop of `grad(loss)` over the examples, stacked;
 *   - @jax-js/jax 0.1.25 `jit(vmap(grad(loss), [null, 0, 0]))` on its wasm device.
 * The MLP is 64-128-10 with tanh and a log-softmax cross-entropy on one-hot targets, float32,
 * CPU; both libraries get the same data. Before timing, webgrad's two ways and jax-js are checked
 * to agree.
 *
 * usage: node bench/dist/run.js transforms [--reps N] [--batch B]
 */
import { loadavg } from 'node:os';
import { grad, vmap } from '@webgrad/autograd';
import { concat, type Tensor, tensor, tidy } from '@webgrad/tensor';
import { writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { compareTimes } from './lib/timing.js';

const [IN, HIDDEN, OUT] = [64, 128, 10];
const SHAPES = { w1: [IN, HIDDEN], b1: [HIDDEN], w2: [HIDDEN, OUT], b2: [OUT] } as const;
type Key = keyof typeof SHAPES;
const KEYS = Object.keys(SHAPES) as Key[];

type Params = Record<Key, Tensor>;

/** One example: x [IN], y [OUT] one-hot. */
function loss(p: Params, x: Tensor, y: Tensor): Tensor {
  const h = x.matmul(p.w1).add(p.b1).tanh(); // [HIDDEN]
  const logp = h.matmul(p.w2).add(p.b2).logSoftmax(-1); // [OUT]
  return logp.mul(y).sum().neg();
}

interface Data {
  batch: number;
  params: Record<Key, Float32Array>;
  xs: Float32Array;
  ys: Float32Array;
}

/** Deterministic float32 values in [-scale, scale]. */
function values(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 12.9898 + i * 78.233));
}

function makeData(batch: number): Data {
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  const params = Object.fromEntries(KEYS.map((k, i) => [k, values(size(SHAPES[k]), i + 1, 0.2)])) as Data['params'];
  const ys = new Float32Array(batch * OUT);
  for (let i = 0; i < batch; i++) ys[i * OUT + ((i * 7) % OUT)] = 1;
  return { batch, params, xs: values(batch * IN, 9, 1), ys };
}

async function read(ts: readonly Tensor[]): Promise<Float32Array[]> {
  const out = (await Promise.all(ts.map((t) => t.data()))) as Float32Array[];
  for (const t of ts) t.dispose();
  return out;
}

function webgrad(d: Data) {
  const p = Object.fromEntries(KEYS.map((k) => [k, tensor(d.params[k], { shape: [...SHAPES[k]] })])) as Params;
  const xs = tensor(d.xs, { shape: [d.batch, IN] });
  const ys = tensor(d.ys, { shape: [d.batch, OUT] });
  const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] });
  const vmapped = () => read(tidy(() => Object.values(perExample(p, xs, ys) as Params)));
  const looped = () =>
    read(
      tidy(() => {
        const each = Array.from({ length: d.batch }, (_, i) => {
          const [x, y] = [xs.slice(i).squeeze(0), ys.slice(i).squeeze(0)];
          return grad(loss)(p, x, y) as Params;
        });
        return KEYS.map((k) =>
          concat(
            each.map((e) => e[k].unsqueeze(0)),
            0,
          ),
        );
      }),
    );
  return { vmapped, looped };
}

/** jax-js's version of the same computation, or undefined when it cannot start here. */
async function jaxjs(d: Data): Promise<(() => Promise<Float32Array[]>) | undefined> {
  try {
    const jax = await import('@jax-js/jax');
    await jax.init('wasm');
    jax.defaultDevice('wasm');
    const np = jax.numpy;
    type A = InstanceType<typeof jax.Array>;
    // jax-js arrays are consumed by every use: each parameter is used once here.
    const jloss = (p: Record<Key, A>, x: A, y: A) => {
      const h = np.tanh(np.matmul(x, p.w1).add(p.b1));
      const logp = jax.nn.logSoftmax(np.matmul(h, p.w2).add(p.b2));
      return logp.mul(y).sum().neg();
    };
    const step = jax.jit(jax.vmap(jax.grad(jloss), [null, 0, 0]));
    const p = Object.fromEntries(KEYS.map((k) => [k, np.array(d.params[k]).reshape([...SHAPES[k]])])) as Record<Key, A>;
    const xs = np.array(d.xs).reshape([d.batch, IN]);
    const ys = np.array(d.ys).reshape([d.batch, OUT]);
    return async () => {
      const refs = Object.fromEntries(KEYS.map((k) => [k, p[k].ref])) as Record<Key, A>;
      const g = step(refs, xs.ref, ys.ref) as Record<Key, A>;
      return (await Promise.all(KEYS.map((k) => g[k].data()))) as Float32Array[];
    };
  } catch (e) {
    console.log(`jax-js unavailable: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function maxAbsDiff(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    const y = b[i] as Float32Array;
    if (x.length !== y.length) worst = Number.POSITIVE_INFINITY;
    for (let j = 0; j < x.length; j++) worst = Math.max(worst, Math.abs((x[j] as number) - (y[j] as number)));
  });
  return worst;
}

function arg(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  const n = i >= 0 ? Number(args[i + 1]) : fallback;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

export async function main(args: string[]): Promise<void> {
  const reps = arg(args, '--reps', 9);
  const batch = arg(args, '--batch', 256);
  const d = makeData(batch);
  const ours = webgrad(d);
  const peer = await jaxjs(d);
  // The three agree before anything is timed.
  const [a, b] = [await ours.vmapped(), await ours.looped()];
  const diffs = [`vmap vs loop ${maxAbsDiff(a, b).toExponential(1)}`];
  if (peer) diffs.push(`vmap vs jax-js ${maxAbsDiff(a, await peer()).toExponential(1)}`);
  const load = loadavg()[0]?.toFixed(1) ?? '?';
  const t = await compareTimes(
    { vmap: ours.vmapped, loop: ours.looped, jaxjs: peer },
    { warmup: 2, reps, budgetMs: 60_000 },
  );
  const vm = t.vmap?.median ?? Number.NaN;
  const row = (how: string, ms = Number.NaN): Row => ({
    'per-example gradients': how,
    'ms (median)': ms,
    'examples/s': (batch * 1e3) / ms,
    'time / webgrad vmap': ms / vm,
  });
  const rows = [
    row('webgrad vmap(grad)', t.vmap?.median),
    row('webgrad loop of grad', t.loop?.median),
    row('jax-js jit(vmap(grad)), wasm', t.jaxjs?.median),
  ];
  const note =
    `MLP ${IN}-${HIDDEN}-${OUT} (tanh, log-softmax cross-entropy), batch ${batch}, float32, CPU; ` +
    `all ${KEYS.length} per-example gradients read back; median of ${reps} interleaved runs. ` +
    `Largest differences in the gradients: ${diffs.join(', ')}. ` +
    `Load average when timing began: ${load} (other work shared the cores; compare ratios, not times).`;
  printTable(rows, note);
  const path = writeResult('transforms', `${note}\n\n${markdownTable(rows)}`, 'per-example gradients, CPU');
  console.log(`\nwrote ${path}`);
}
