/**
 * Real update matrices: dW = W_finetuned - W0 for every 2-d weight of a GPT checkpoint pair (full
 * fine-tuning of the tiny GPT), the targets the ABBA paper's adapters try to express. Embedding
 * tables (`wte`, `wpe`) are left out: the adapters target Linear layers. Both dW and W0 are
 * rescaled to unit RMS entries (HiRA's W0 ⊙ (B A) is unchanged by a constant factor on W0).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadSafetensors } from '@webgrad/nn';
import type { Tensor } from '@webgrad/tensor';
import { normalizeRms, type Target } from './targets.js';

/** Names of weights that are not adapter targets. */
const EXCLUDED = /(^|\.)(wte|wpe)\.weight$/;

export interface RealUpdates {
  targets: Target[];
  /** Why some weights were left out (one line each). */
  skipped: string[];
}

/**
 * Finds the two checkpoints in `dir`, or says why they cannot be used (undefined when fine).
 * @example realUpdatesProblem('out/ft', 'base.safetensors', 'finetuned.safetensors')
 */
export function realUpdatesProblem(dir: string | undefined, baseName: string, ftName: string): string | undefined {
  if (dir === undefined) return 'no --real-updates <dir> given (it needs a base and a fully fine-tuned GPT checkpoint)';
  const missing = [baseName, ftName].filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) return `${dir} lacks ${missing.join(' and ')}`;
  return undefined;
}

/**
 * Loads both checkpoints and returns one target per adapted 2-d weight: T = W_ft - W0 (float64,
 * unit RMS), with W0 (unit RMS) for HiRA.
 * @example const { targets } = await loadRealUpdates('out/ft', 'base.safetensors', 'finetuned.safetensors');
 */
export async function loadRealUpdates(dir: string, baseName: string, ftName: string): Promise<RealUpdates> {
  const base = await loadSafetensors(join(dir, baseName));
  const ft = await loadSafetensors(join(dir, ftName));
  const targets: Target[] = [];
  const skipped: string[] = [];
  for (const [name, w0] of Object.entries(base)) {
    const w1 = ft[name];
    if (w0.ndim !== 2) continue;
    if (EXCLUDED.test(name)) {
      skipped.push(`${name}: embedding table, not an adapter target`);
      continue;
    }
    if (!w1 || w1.shape.join('x') !== w0.shape.join('x')) {
      skipped.push(`${name}: missing or reshaped in ${ftName}`);
      continue;
    }
    const diff = w1.cast('float64').sub(w0.cast('float64'));
    if (!((diff.abs().max().dataSync()[0] as number) > 0)) {
      skipped.push(`${name}: unchanged by fine-tuning`);
      diff.dispose();
      continue;
    }
    const [m, n] = w0.shape as [number, number];
    targets.push({
      kind: `real:${name.replace(/\.weight$/, '')}`,
      t: normalizeRms(diff),
      w0: normalizeRms(w0.cast('float64')),
      description: `W_ft - W0 of ${name} (${m} x ${n})`,
    });
  }
  disposeAll(base);
  disposeAll(ft);
  return { targets, skipped };
}

function disposeAll(record: Record<string, Tensor>): void {
  for (const t of Object.values(record)) t.dispose();
}
