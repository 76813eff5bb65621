/**
 * The pretrained base every run starts from: a GeluMLP(64, 128, 128, 128, 16) fitted to a fixed
 * random teacher (GeluMLP(64, 256, 256, 256, 16), outputs scaled to unit variance) on x ~ N(0, I).
 * Cached as a safetensors checkpoint; its SHA-256 identifies it in tuned.json and the results. When
 * the file is missing it is recreated from the same seeds (the same bytes as long as the kernels'
 * summation order is unchanged; the hash says whether it is).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { backward, noGrad } from '@webgrad/autograd';
import {
  AdamW,
  clipGradNorm,
  cosine,
  loadSafetensors,
  mseLoss,
  readSafetensorsMetadata,
  saveSafetensors,
} from '@webgrad/nn';
import { randn, type Tensor, tensor, tidy } from '@webgrad/tensor';
import { formatDuration, ProgressBar } from '../lib/progress-bar.js';
import { BASE_SIZES, GeluMLP, TEACHER_SIZES } from './mlp.js';

/** The pretraining recipe (fixed; changing it changes the base and its hash). */
export const PRETRAIN = {
  teacherSeed: 7,
  studentSeed: 1,
  /** Inputs of the pretraining set (teacher-labelled once) and of its held-out check. */
  dataSeed: 21,
  heldOutSeed: 22,
  dataSize: 32768,
  heldOutSize: 4096,
  steps: 1500,
  batchSize: 128,
  lr: 3e-3,
  warmupSteps: 100,
} as const;

export interface BaseInfo {
  path: string;
  sha256: string;
  source: 'loaded' | 'pretrained';
  /** Held-out MSE / Var(teacher output) of the base against the teacher. */
  heldOutRelativeMse: number;
  trainSeconds: number;
}

/** Rows [start, start + n) of x run through `model` in chunks, without a graph. */
export function predict(model: GeluMLP, x: Tensor, chunk = 4096): Tensor {
  return noGrad(() =>
    tidy(() => {
      const n = x.shape[0] as number;
      const parts: Tensor[] = [];
      for (let i = 0; i < n; i += chunk) parts.push(model.forward(x.slice([i, Math.min(n, i + chunk)])));
      return parts.length === 1 ? (parts[0] as Tensor) : concatRows(parts);
    }),
  );
}

function concatRows(parts: Tensor[]): Tensor {
  const cols = parts[0]?.shape[1] as number;
  const rows = parts.reduce((a, p) => a + (p.shape[0] as number), 0);
  const out = new Float32Array(rows * cols);
  let o = 0;
  for (const p of parts) {
    out.set(p.dataSync() as Float32Array, o);
    o += p.size;
  }
  return tensor(out, { shape: [rows, cols] });
}

/** The teacher, its outputs scaled to unit variance (measured on the held-out inputs). */
export function makeTeacher(): { net: GeluMLP; scale: number } {
  const net = new GeluMLP(TEACHER_SIZES, PRETRAIN.teacherSeed);
  const x = randn([PRETRAIN.heldOutSize, BASE_SIZES[0]], { seed: PRETRAIN.heldOutSeed });
  const y = predict(net, x);
  const d = y.dataSync();
  let [s, s2] = [0, 0];
  for (const v of d) [s, s2] = [s + v, s2 + v * v];
  const mean = s / d.length;
  const scale = 1 / Math.sqrt(s2 / d.length - mean * mean);
  x.dispose();
  y.dispose();
  return { net, scale };
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(new Uint8Array(await readFile(path)))
    .digest('hex');
}

/**
 * The base at `path` (loaded, or pretrained and saved when missing) and its identity.
 * @example const { model, info } = await ensureBase('out/transfer/base.safetensors');
 */
export async function ensureBase(
  path: string,
  log: (s: string) => void = console.log,
): Promise<{ model: GeluMLP; info: BaseInfo }> {
  const model = new GeluMLP(BASE_SIZES, PRETRAIN.studentSeed);
  if (existsSync(path)) {
    model.loadStateDict(await loadSafetensors(path));
    const meta = await readSafetensorsMetadata(path);
    const info: BaseInfo = {
      path,
      sha256: await sha256(path),
      source: 'loaded',
      heldOutRelativeMse: Number(meta.heldOutRelativeMse),
      trainSeconds: Number(meta.trainSeconds),
    };
    return { model, info };
  }
  log(`pretraining the base on the teacher (${PRETRAIN.steps} steps, batch ${PRETRAIN.batchSize})...`);
  const { net: teacher, scale } = makeTeacher();
  const label = (x: Tensor) => tidy(() => predict(teacher, x).mul(scale));
  const x = randn([PRETRAIN.dataSize, BASE_SIZES[0]], { seed: PRETRAIN.dataSeed });
  const y = label(x);
  const [xd, yd] = [x.dataSync() as Float32Array, y.dataSync() as Float32Array];
  const [nIn, nOut] = [BASE_SIZES[0], BASE_SIZES[BASE_SIZES.length - 1] as number];
  const params = model.parameters();
  const opt = new AdamW(params, { lr: PRETRAIN.lr, betas: [0.9, 0.999], weightDecay: 0 });
  const schedule = cosine({
    lr: PRETRAIN.lr,
    minLr: PRETRAIN.lr / 10,
    warmupSteps: PRETRAIN.warmupSteps,
    totalSteps: PRETRAIN.steps,
  });
  const bar = new ProgressBar(PRETRAIN.steps);
  const t0 = performance.now();
  const b = PRETRAIN.batchSize;
  for (let step = 0; step < PRETRAIN.steps; step++) {
    opt.lr = schedule(step);
    const start = ((step * b) % PRETRAIN.dataSize) as number;
    const loss = tidy(() => {
      const xb = tensor(xd.subarray(start * nIn, (start + b) * nIn), { shape: [b, nIn] });
      const yb = tensor(yd.subarray(start * nOut, (start + b) * nOut), { shape: [b, nOut] });
      const l = mseLoss(model.forward(xb), yb);
      backward(l);
      clipGradNorm(params, 1);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    const value = (await loss.item()) as number;
    loss.dispose();
    bar.update(step + 1, `mse ${value.toFixed(4)}`);
  }
  bar.done();
  const trainSeconds = (performance.now() - t0) / 1000;
  const xh = randn([PRETRAIN.heldOutSize, nIn], { seed: PRETRAIN.heldOutSeed });
  const yh = label(xh);
  const mse = tidy(() => mseLoss(predict(model, xh), yh).dataSync()[0] as number);
  const variance = tidy(() => yh.sub(yh.mean()).square().mean().dataSync()[0] as number);
  const heldOutRelativeMse = mse / variance;
  log(`pretrained in ${formatDuration(trainSeconds)}: held-out MSE / Var(teacher) = ${heldOutRelativeMse.toFixed(4)}`);
  await mkdir(dirname(path), { recursive: true });
  await saveSafetensors(path, model.stateDict(), {
    format: 'webgrad-transfer-base',
    sizes: JSON.stringify(BASE_SIZES),
    recipe: JSON.stringify(PRETRAIN),
    heldOutRelativeMse: String(heldOutRelativeMse),
    trainSeconds: trainSeconds.toFixed(1),
  });
  for (const t of [x, y, xh, yh]) t.dispose();
  return {
    model,
    info: { path, sha256: await sha256(path), source: 'pretrained', heldOutRelativeMse, trainSeconds },
  };
}
