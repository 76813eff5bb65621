/**
 * One adapted Linear layer, forward + backward (x [N, d] -> [N, d], N = 512 tokens, cotangent
 * given, x requires grad as inside a network): ABBA (r1 = r2 = 16) as the fused Khatri-Rao op,
 * as the plain composition differentiated by the tape, and with dW materialised, next to LoRA at
 * the same parameter budget (r = 32) and the frozen layer alone. Timed interleaved (compareTimes).
 *
 * Peak memory: during one separate, untimed step, a dispatch observer samples
 * `memory()[device].bytes` after every primitive (each new output is then allocated); the table
 * shows the maximum minus the bytes live before the step: the largest amount of tensor storage
 * the step held at once (gradients included, kernel scratch buffers and pools not).
 * Adapter GFLOP: multiply-adds x 2 of the adapter path alone (forward + backward), from the shapes.
 *
 * usage: node bench/dist/run.js abba [d ...]   (default 1024 2048)
 *   WEBGRAD_BENCH_DEVICES=cpu,webgpu (default both; WebGPU only where an adapter initialises)
 */
import { ABBALinear, type AdapterLayer, LoRALinear } from '@webgrad/abba';
import { backward } from '@webgrad/autograd';
import { Linear } from '@webgrad/nn';
import { addObserver, type Device, destroyWebGPU, initWebGPU, memory, randn, type Tensor, tidy } from '@webgrad/tensor';
import { writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { compareTimes } from './lib/timing.js';

const N = 512;
const R1 = 16;
const R2 = 16;
const LORA_R = 32;

interface Variant {
  name: string;
  make: (base: Linear) => AdapterLayer | Linear;
  /** Adapter-path GFLOP for one forward + backward at width d. */
  gflop: (d: number) => number;
}

const R = R1 * R2;
const VARIANTS: Variant[] = [
  { name: 'frozen base only', make: (b) => b, gflop: () => 0 },
  {
    name: `LoRA r=${LORA_R}`,
    make: (b) => new LoRALinear(b, { r: LORA_R, seed: 1 }),
    gflop: (d) => (6 * 2 * N * d * LORA_R) / 1e9, // 2 forward, 4 backward thin products
  },
  {
    name: `ABBA fused r1=r2=${R1}`,
    make: (b) => abba(b, 'fused'),
    gflop: (d) => (6 * 2 * N * d * R) / 1e9, // 2 forward, 4 backward (A_kr, B_kr recomputed: O(R d))
  },
  {
    name: 'ABBA plain (tape)',
    make: (b) => abba(b, 'plain'),
    gflop: (d) => (6 * 2 * N * d * R) / 1e9,
  },
  {
    name: 'ABBA naive (dW formed)',
    make: (b) => abba(b, 'naive'),
    // forward: B1 A1, B2 A2, x dW^T; backward: g dW, g^T x, and four d x d x r products.
    gflop: (d) => (2 * 2 * d * d * R1 + 3 * 2 * N * d * d + 4 * 2 * d * d * R1) / 1e9,
  },
];

function abba(base: Linear, impl: 'fused' | 'plain' | 'naive'): ABBALinear {
  const layer = new ABBALinear(base, { r1: R1, r2: R2, impl, seed: 1 });
  // Non-zero B2 (the SVD init's B2 = 0 would not change the cost; this makes the values realistic).
  layer.loraB2.assign(randn(layer.loraB2.shape, { std: 0.01, seed: 2, device: base.weight.device }));
  return layer;
}

function trainables(layer: AdapterLayer | Linear): Tensor[] {
  return layer.parameters().filter((p) => p.requiresGrad);
}

/** One forward + backward; dx is read (a sync point on WebGPU) and every gradient freed. */
function makeStep(layer: AdapterLayer | Linear, x: Tensor, gy: Tensor): () => Promise<void> {
  return async () => {
    const params = [x, ...trainables(layer)];
    tidy(() => backward(layer.forward(x), gy));
    await x.grad?.data();
    for (const p of params) {
      p.grad?.dispose();
      p.grad = undefined;
    }
  };
}

async function peakBytes(step: () => Promise<void>, device: Device): Promise<number> {
  const before = memory()[device]?.bytes ?? 0;
  let peak = before;
  const remove = addObserver({
    onOp: () => {
      peak = Math.max(peak, memory()[device]?.bytes ?? 0);
    },
  });
  try {
    await step();
  } finally {
    remove();
  }
  return peak - before;
}

async function measure(d: number, device: Device): Promise<Row[]> {
  const base = new Linear(d, d, { seed: 0, device });
  const x = randn([N, d], { seed: 3, device });
  x.requiresGrad = true;
  const gy = randn([N, d], { seed: 4, device });
  const steps = VARIANTS.map((v) => makeStep(v.make(base), x, gy));
  const peaks: number[] = [];
  for (const s of steps) {
    await s(); // warm (JIT, GPU pipelines)
    peaks.push(await peakBytes(s, device));
  }
  const reps = d >= 2048 ? { warmup: 0, reps: 3, minReps: 3 } : { warmup: 1, reps: 5, minReps: 3 };
  const fns = Object.fromEntries(VARIANTS.map((v, i) => [v.name, steps[i]])) as Record<string, () => Promise<void>>;
  const times = await compareTimes(fns, reps);
  const loraName = VARIANTS[1]?.name as string;
  const loraMs = times[loraName]?.median ?? Number.NaN;
  const loraPeak = peaks[1] as number;
  return VARIANTS.map((v, i) => {
    const ms = times[v.name]?.median ?? Number.NaN;
    return {
      device,
      d,
      variant: v.name,
      'ms (median)': ms,
      'time / LoRA': ms / loraMs,
      'peak MiB': (peaks[i] as number) / 2 ** 20,
      'peak / LoRA': (peaks[i] as number) / loraPeak,
      'adapter GFLOP': v.gflop(d),
    };
  });
}

export async function main(args: string[]): Promise<void> {
  const dims = args.length > 0 ? args.map(Number) : [1024, 2048];
  const devices = (process.env.WEBGRAD_BENCH_DEVICES ?? 'cpu,webgpu').split(',');
  const rows: Row[] = [];
  if (devices.includes('cpu'))
    for (const d of dims) {
      const r = await measure(d, 'cpu');
      printTable(r, `cpu, d = ${d}, N = ${N}`);
      rows.push(...r);
    }
  let gpuNote = 'WebGPU: skipped (WEBGRAD_BENCH_DEVICES has no webgpu).';
  if (devices.includes('webgpu')) {
    try {
      const info = await initWebGPU();
      gpuNote = `WebGPU: ${info.backend} adapter, ${info.description || info.vendor}.`;
      for (const d of dims) {
        const r = await measure(d, 'webgpu');
        printTable(r, `webgpu, d = ${d}, N = ${N}`);
        rows.push(...r);
      }
      destroyWebGPU();
    } catch (e) {
      gpuNote = `WebGPU: not measured (${e instanceof Error ? e.message.split('\n')[0] : String(e)}).`;
    }
  }
  console.log(`\n${gpuNote}`);
  const text = [
    `One adapted Linear d x d, forward + backward, N = ${N} tokens, float32; ABBA r1 = r2 = ${R1}, LoRA r = ${LORA_R} (same parameter count).`,
    'Peak: max of memory().<device>.bytes sampled after every primitive during one step, minus the bytes live before it.',
    gpuNote,
    '',
    markdownTable(rows),
  ].join('\n');
  console.log(`wrote ${writeResult('abba', text, 'ABBA adapters: one layer, forward + backward')}`);
}
