/**
 * `node examples/dist/finetune/scale-check.js [--configs lora:1,abba:1,abba:4,abba:16] [--lr 0.03]`
 * Magnitude check behind the scale study of README.md: how large the adapter factors are at
 * initialisation, and how far each setting has moved the weights after the first steps of the
 * real schedule (600 steps, warmup 60, the same loop as the experiment, seed 0).
 *
 * Why it matters for ABBA with SVD init (arXiv 2505.14238, §3.4): B1 A1 starts as the best rank-r1
 * approximation of W0, so its entries are W0-sized (here rms ~0.1), and B2 starts at 0. To first
 * order the update is s (B1 A1) ⊙ (dB2 A2): Adam moves every entry of B2 by about lr per step
 * whatever the gradient's size, so the first steps move dW ~|W0 entry| times as far as a LoRA step
 * s dB A at the same s and lr. Later all four factors have moved and the product grows faster than
 * LoRA's (measured: README.md). The paper's s = alpha / sqrt(r1 r2) (§3.3) is about stability as
 * ranks grow, not about this W0-sized factor; a larger s compensates for it without raising lr.
 */
import { parseArgs } from 'node:util';
import type { AbbaInit } from '@webgrad/abba';
import { ABBALinear, adapterLayers, LoRALinear } from '@webgrad/abba';
import { type Tensor, tidy } from '@webgrad/tensor';
import { loadCheckpoint } from '../tiny-transformer/checkpoint.js';
import { FT_DEFAULTS } from './args.js';
import { type AdapterFtMethod, prepareMethod } from './methods.js';
import { markdownTable } from './report.js';
import { SUBTRACTION } from './task.js';
import { finetune } from './train.js';

const USAGE = `usage: node examples/dist/finetune/scale-check.js [options]
  --configs LIST   method:s[:init[:lr]] items, e.g. lora:1,abba:1,abba:4:lora,abba:16:svd:0.01
                   (default lora:1,lora:4,abba:1,abba:4,abba:16)
  --lr X           peak learning rate of configs that name none (default 0.03)
  --checkpoints L  steps after which to measure ||dW|| / ||W0|| (default 1,10,60)
  --base PATH      pretrained checkpoint (default the experiment's)`;

function rms(t: Tensor): number {
  const d = t.dataSync();
  let s = 0;
  for (const v of d) s += v * v;
  return Math.sqrt(s / d.length);
}

function sumSq(t: Tensor): number {
  let s = 0;
  for (const v of t.dataSync()) s += v * v;
  return s;
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      configs: { type: 'string' },
      lr: { type: 'string' },
      checkpoints: { type: 'string' },
      base: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (v.help) {
    console.log(USAGE);
    return;
  }
  const defaultLr = Number(v.lr ?? 0.03);
  const configs = (v.configs ?? 'lora:1,lora:4,abba:1,abba:4,abba:16').split(',').map((item) => {
    const [method, s, init, lr] = item.split(':');
    if ((method !== 'lora' && method !== 'abba' && method !== 'hira') || !(Number(s) > 0))
      throw new Error(`--configs: expected method:scale[:init[:lr]], got '${item}'\n${USAGE}`);
    const abbaInit = (init || 'svd') as AbbaInit;
    return { method: method as AdapterFtMethod, scale: Number(s), abbaInit, lr: lr ? Number(lr) : defaultLr };
  });
  const checkpoints = (v.checkpoints ?? '1,10,60').split(',').map(Number);
  const basePath = v.base ?? FT_DEFAULTS.base;
  const rows: string[][] = [];
  for (const c of configs) {
    const { model, tokenizer: tok } = await loadCheckpoint(basePath, 'cpu');
    const prepared = await prepareMethod(model, c.method, { r: 8, seed: 0, scale: c.scale, abbaInit: c.abbaInit });
    const layers = adapterLayers(model).map(([, l]) => l);
    // Factor magnitudes at init, averaged (rms) over the 8 adapted layers.
    const w0Sq = layers.reduce((a, l) => a + sumSq(l.originalWeight), 0);
    const mean = (f: (l: (typeof layers)[number]) => number) => layers.reduce((a, l) => a + f(l), 0) / layers.length;
    const w0 = mean((l) => rms(l.originalWeight));
    const fixedFactor = tidy(() =>
      mean((l) =>
        l instanceof ABBALinear ? rms(l.loraB1.matmul(l.loraA1)) : l instanceof LoRALinear ? 1 : rms(l.originalWeight),
      ),
    );
    const movingA = mean((l) => (l instanceof ABBALinear ? rms(l.loraA2) : l instanceof LoRALinear ? rms(l.loraA) : 0));
    // Relative size of the update after the first steps of the experiment's schedule.
    const rel: number[] = [];
    const steps = Math.max(...checkpoints);
    await finetune(
      model,
      tok,
      SUBTRACTION,
      prepared.params,
      {
        steps: FT_DEFAULTS.steps,
        batchSize: 64,
        lr: c.lr,
        warmupSteps: FT_DEFAULTS.warmupSteps,
        gradClip: 1,
        seed: 0,
        stopAfter: steps,
      },
      (step) => {
        if (checkpoints.includes(step + 1))
          rel.push(Math.sqrt(layers.reduce((a, l) => a + tidy(() => sumSq(l.deltaWeight())), 0) / w0Sq));
      },
    );
    rows.push([
      prepared.label,
      String(c.lr),
      w0.toFixed(3),
      c.method === 'lora' ? '1 (none)' : fixedFactor.toFixed(3),
      movingA.toFixed(3),
      ...rel.map((x) => x.toExponential(2)),
    ]);
  }
  const header = [
    'setting',
    'peak lr',
    'rms W0',
    'rms of the fixed-at-start factor (B1 A1; HiRA W0)',
    'rms A (LoRA) / A2 (ABBA)',
    ...checkpoints.map((k) => `||dW||/||W0|| after ${k}`),
  ];
  console.log(`schedule of ${FT_DEFAULTS.steps} steps (warmup ${FT_DEFAULTS.warmupSteps}), seed 0\n`);
  console.log(markdownTable(header, rows));
}

await main();
