/**
 * The Hessian of a scalar function of n inputs, five ways, timed interleaved in one run (see
 * compareTimes), with the readback of the [n, n] result:
 *   - webgrad `hessian(f)`: forward-over-reverse, the n jvps of grad batched by vmap (one pass);
 *   - webgrad, a JavaScript loop of n `hvp`s (n forward-over-reverse passes), stacked;
 *   - webgrad `jacrev(grad(f))`: reverse-over-reverse, one gradient pass and its n pullbacks
 *     batched by vmap;
 *   - webgrad `jacfwd(jacfwd(f))`: forward-over-forward, n^2 tangent directions (batched too);
 *   - @jax-js/jax 0.1.25 `jit(hessian(f))` on its wasm device.
 * f(x) = sum(tanh(W x)) + logsumexp(x), W [n, n], float32, CPU. Before timing, the four are
 * checked to agree.
 *
 * usage: node bench/dist/run.js hessian [--reps N] [--n 16,48]
 */
import { grad, hessian, hvp, jacfwd, jacrev } from '@webgrad/autograd';
import { stack, type Tensor, tensor, tidy } from '@webgrad/tensor';
import { writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { compareTimes } from './lib/timing.js';

/** Deterministic float32 values in [-scale, scale]. */
function values(n: number, seed: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => scale * Math.sin(seed * 12.9898 + i * 78.233));
}

function oneHot(n: number, i: number): Tensor {
  const data = new Float32Array(n);
  data[i] = 1;
  return tensor(data);
}

function webgrad(n: number, wData: Float32Array, xData: Float32Array) {
  const w = tensor(wData, { shape: [n, n] });
  const x = tensor(xData, { shape: [n] });
  const f = (x: Tensor) =>
    w
      .matmul(x.reshape([n, 1]))
      .tanh()
      .sum()
      .add(x.logsumexp(0));
  const read = async (h: () => Tensor) => {
    const t = tidy(h);
    const data = (await t.data()) as Float32Array;
    t.dispose();
    return data;
  };
  return {
    forwardOverReverse: () => read(() => hessian(f)(x)),
    loopOfHvps: () =>
      read(() =>
        stack(
          Array.from({ length: n }, (_, i) => hvp(f, [x], [oneHot(n, i)]) as Tensor),
          0,
        ),
      ),
    reverseOverReverse: () => read(() => jacrev(grad(f))(x) as Tensor),
    forwardOverForward: () => read(() => jacfwd(jacfwd(f))(x) as Tensor),
  };
}

/** jax-js's hessian of the same function, or undefined when it cannot start here. */
async function jaxjs(n: number, wData: Float32Array, xData: Float32Array) {
  try {
    const jax = await import('@jax-js/jax');
    await jax.init('wasm');
    jax.defaultDevice('wasm');
    const np = jax.numpy;
    type A = InstanceType<typeof jax.Array>;
    const w = np.array(wData).reshape([n, n]);
    // jax-js arrays are consumed by every use: x is used twice and w is kept, hence the refs.
    const f = (x: A) =>
      np
        .tanh(np.matmul(w.ref, x.ref.reshape([n, 1])))
        .sum()
        .add(jax.nn.logsumexp(x));
    const h = jax.jit(jax.hessian(f));
    const x = np.array(xData);
    return async () => (await (h(x.ref) as A).data()) as Float32Array;
  } catch (e) {
    console.log(`jax-js unavailable: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs((a[i] as number) - (b[i] as number)));
  return worst;
}

function argList(args: string[], name: string, fallback: number[]): number[] {
  const i = args.indexOf(name);
  const list = i >= 0 ? (args[i + 1] ?? '').split(',').map(Number) : fallback;
  return list.every((v) => Number.isInteger(v) && v > 0) ? list : fallback;
}

export async function main(args: string[]): Promise<void> {
  const reps = argList(args, '--reps', [5])[0] as number;
  const rows: Row[] = [];
  const diffs: string[] = [];
  for (const n of argList(args, '--n', [16, 48])) {
    const [wData, xData] = [values(n * n, 1, 0.5), values(n, 2, 1)];
    const ours = webgrad(n, wData, xData);
    const peer = await jaxjs(n, wData, xData);
    const ref = await ours.forwardOverReverse();
    const others = [await ours.loopOfHvps(), await ours.reverseOverReverse(), await ours.forwardOverForward()];
    if (peer) others.push(await peer());
    diffs.push(`n = ${n}: ${others.map((o) => maxAbsDiff(ref, o).toExponential(1)).join(' / ')}`);
    const t = await compareTimes(
      {
        fwdRev: ours.forwardOverReverse,
        loop: ours.loopOfHvps,
        revRev: ours.reverseOverReverse,
        fwdFwd: ours.forwardOverForward,
        jaxjs: peer,
      },
      { warmup: 1, reps, budgetMs: 60_000 },
    );
    const base = t.fwdRev?.median ?? Number.NaN;
    const row = (how: string, ms = Number.NaN): Row => ({
      n: `${n}`,
      Hessian: how,
      'ms (median)': ms,
      'time / hessian': ms / base,
    });
    rows.push(
      row('webgrad hessian (forward-over-reverse, vmap)', t.fwdRev?.median),
      row('webgrad loop of n hvp (forward-over-reverse)', t.loop?.median),
      row('webgrad jacrev(grad) (reverse-over-reverse, vmap)', t.revRev?.median),
      row('webgrad jacfwd(jacfwd) (forward-over-forward, vmap)', t.fwdFwd?.median),
      row('jax-js jit(hessian), wasm', t.jaxjs?.median),
    );
  }
  const note =
    `f(x) = sum(tanh(W x)) + logsumexp(x), float32, CPU; the [n, n] Hessian read back; median of ${reps} ` +
    `interleaved runs. Largest differences from webgrad's hessian (loop / rev-rev / fwd-fwd / jax-js): ${diffs.join('; ')}.`;
  printTable(rows, note);
  const path = writeResult('hessian', `${note}\n\n${markdownTable(rows)}`, 'Hessians, CPU');
  console.log(`\nwrote ${path}`);
}
