/**
 * The WebGPU backend next to @tensorflow/tfjs-backend-webgpu on the same dawn.node adapter, in
 * the same run, timed interleaved: float32 matmul GFLOP/s, an elementwise chain, and the fixed
 * cost per dispatch (chains of tiny ops with one readback at the end: elementwise adds, which the
 * backend may fuse, and 4x4 matmuls, which it cannot), and reductions with few outputs (a full sum
 * and a last-axis sum). Every timed call ends
 * with a readback to JS, as a user would see it.
 *
 * usage: node bench/dist/run.js webgpu [N ...]   (default 256 512 1024 2048)
 */
import { destroyWebGPU, initWebGPU, randn, type Tensor, tidy, webgpuBackend } from '@webgrad/tensor';
import { writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import type { Tf } from './lib/tfjs.js';
import { compareTimes, gflops } from './lib/timing.js';

/** tfjs-core with its WebGPU backend on a dawn.node GPU of its own (same driver as ours). */
async function loadTfWebGpu(): Promise<Tf | undefined> {
  const { create } = await import('webgpu');
  // tfjs looks for navigator.gpu, as in a browser; Node 20 has no navigator.
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-webgpu');
  try {
    if (!(await tf.setBackend('webgpu'))) throw new Error('setBackend returned false');
    await tf.ready();
    return tf;
  } catch (e) {
    console.log(`(tfjs webgpu unavailable: ${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  }
}

function ratio(ours: number | undefined, peer: number | undefined): number | undefined {
  return ours !== undefined && peer !== undefined ? peer / ours : undefined;
}

async function matmulRows(tf: Tf | undefined, sizes: number[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of sizes) {
    const a = randn([n, n], { seed: 1, device: 'webgpu' });
    const b = randn([n, n], { seed: 2, device: 'webgpu' });
    const [ta, tb] = tf
      ? [tf.tensor2d((await a.data()) as Float32Array, [n, n]), tf.tensor2d((await b.data()) as Float32Array, [n, n])]
      : [];
    const flops = 2 * n ** 3;
    const t = await compareTimes(
      {
        webgrad: async () => {
          const y = a.matmul(b);
          await y.data();
          y.dispose();
        },
        tfjs: tf
          ? async () => {
              const y = tf.matMul(ta as never, tb as never);
              await y.data();
              y.dispose();
            }
          : undefined,
      },
      { warmup: 1, reps: flops > 4e9 ? 3 : 5, minReps: 3 },
    );
    const ours = t.webgrad && gflops(flops, t.webgrad.median);
    const peer = t.tfjs && gflops(flops, t.tfjs.median);
    rows.push({ N: n, 'webgrad GFLOP/s': ours, 'tfjs-webgpu GFLOP/s': peer, 'speedup vs tfjs': ratio(peer, ours) });
    for (const x of [a, b, ta, tb]) x?.dispose();
  }
  return rows;
}

/**
 * y = tanh(relu(1.5 x + 0.5) - 0.25) * x, one readback: one fused dispatch, and (for
 * attribution) six dispatches with the backend's fusion switched off.
 */
async function chainRow(tf: Tf | undefined, size: number): Promise<Row> {
  const x = randn([size], { seed: 3, device: 'webgpu' });
  const tx = tf?.tensor1d((await x.data()) as Float32Array);
  const backend = webgpuBackend() as { fusion?: boolean } | undefined;
  const ours = async () => {
    const y = tidy(() => x.mul(1.5).add(0.5).relu().sub(0.25).tanh().mul(x));
    await y.data();
    y.dispose();
  };
  const t = await compareTimes(
    {
      webgrad: ours,
      unfused:
        backend && 'fusion' in backend
          ? async () => {
              backend.fusion = false;
              await ours().finally(() => {
                backend.fusion = true;
              });
            }
          : undefined,
      tfjs: tf
        ? async () => {
            const y = tf.tidy(() =>
              tf.mul(tf.tanh(tf.sub(tf.relu(tf.add(tf.mul(tx as never, 1.5), 0.5)), 0.25)), tx as never),
            );
            await y.data();
            y.dispose();
          }
        : undefined,
    },
    { warmup: 2, reps: 7 },
  );
  x.dispose();
  tx?.dispose();
  return {
    elements: size,
    'webgrad ms': t.webgrad?.median,
    'webgrad unfused ms': t.unfused?.median,
    'tfjs-webgpu ms': t.tfjs?.median,
    'speedup vs tfjs': ratio(t.webgrad?.median, t.tfjs?.median),
  };
}

/** `count` dependent tiny ops (adds on 16 elements, or 4x4 matmuls), one readback: ops per second. */
async function overheadRow(tf: Tf | undefined, count: number, kind: 'add' | 'matmul'): Promise<Row> {
  const x = randn([4, 4], { seed: 4, device: 'webgpu' }).mul(0.25);
  // tfjs-webgpu runs ops on tensors under 128 elements on the CPU unless told not to.
  tf?.env().set('WEBGPU_CPU_FORWARD', false);
  const tx = tf?.tensor2d((await x.data()) as Float32Array, [4, 4]);
  const chain = <T extends { dispose(): void }>(start: T, step: (v: T) => T): T => {
    let v = step(start);
    for (let i = 1; i < count; i++) {
      const next = step(v);
      v.dispose();
      v = next;
    }
    return v;
  };
  const t = await compareTimes(
    {
      webgrad: async () => {
        const y = chain(x, (v: Tensor) => (kind === 'add' ? v.add(1) : v.matmul(x)));
        await y.data();
        y.dispose();
      },
      tfjs: tf
        ? async () => {
            const y = chain(tx as ReturnType<Tf['tensor2d']>, (v) =>
              kind === 'add' ? tf.add(v, 1) : tf.matMul(v, tx as never),
            );
            await y.data();
            y.dispose();
          }
        : undefined,
    },
    { warmup: 2, reps: 7 },
  );
  x.dispose();
  tx?.dispose();
  const perSec = (ms: number | undefined) => (ms === undefined ? undefined : (count / ms) * 1000);
  const [ours, peer] = [perSec(t.webgrad?.median), perSec(t.tfjs?.median)];
  return {
    op: kind,
    'tiny ops': count,
    'webgrad ops/s': ours,
    'tfjs-webgpu ops/s': peer,
    'speedup vs tfjs': ratio(peer, ours),
  };
}

/** Reductions with few outputs: a full sum of `size` elements and row sums of [rows, size / rows]. */
async function reduceRows(tf: Tf | undefined, size: number, rows: number): Promise<Row[]> {
  const x = randn([rows, size / rows], { seed: 5, device: 'webgpu' });
  const tx = tf?.tensor2d((await x.data()) as Float32Array, [rows, size / rows]);
  const out: Row[] = [];
  for (const axis of [undefined, 1] as const) {
    const t = await compareTimes(
      {
        webgrad: async () => {
          const y = x.sum(axis);
          await y.data();
          y.dispose();
        },
        tfjs: tf
          ? async () => {
              const y = tf.sum(tx as never, axis);
              await y.data();
              y.dispose();
            }
          : undefined,
      },
      { warmup: 2, reps: 7 },
    );
    out.push({
      reduction: axis === undefined ? `sum of all ${x.size}` : `sum(-1) of [${x.shape.join(', ')}]`,
      'webgrad ms': t.webgrad?.median,
      'tfjs-webgpu ms': t.tfjs?.median,
      'speedup vs tfjs': ratio(t.webgrad?.median, t.tfjs?.median),
    });
  }
  x.dispose();
  tx?.dispose();
  return out;
}

export async function main(args: string[]): Promise<void> {
  const sizes = args.length > 0 ? args.map(Number) : [256, 512, 1024, 2048];
  const info = await initWebGPU();
  console.log(`webgrad on ${info.backend} (${info.featureLevel}): ${info.description}`);
  const tf = await loadTfWebGpu();
  const mm = await matmulRows(tf, sizes);
  printTable(mm, 'float32 matmul, N x N @ N x N, median with readback');
  const ew = [await chainRow(tf, 1 << 20)];
  printTable(ew, 'elementwise chain (6 ops), median ms with readback');
  const oh = [await overheadRow(tf, 500, 'add'), await overheadRow(tf, 500, 'matmul')];
  printTable(oh, 'per-op overhead: dependent tiny ops on [4, 4], one readback');
  const rd = await reduceRows(tf, 1 << 20, 1024);
  printTable(rd, 'reductions with few outputs, median ms with readback');
  const md = [
    `Adapter: ${info.backend}, ${info.description}. Peer: @tensorflow/tfjs-backend-webgpu 4.22 on its own dawn.node device, same driver, timed interleaved in the same run.`,
    '## float32 matmul (GFLOP/s, higher is better)',
    markdownTable(mm),
    '## elementwise chain (ms, lower is better)',
    markdownTable(ew),
    '## per-op overhead (ops/s, higher is better)',
    markdownTable(oh),
    '## reductions (ms, lower is better)',
    markdownTable(rd),
  ].join('\n\n');
  console.log(`\nwrote ${writeResult('webgpu', md, 'WebGPU backend vs tfjs-backend-webgpu')}`);
  tf?.disposeVariables();
  destroyWebGPU();
}
