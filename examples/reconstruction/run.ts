/**
 * One target at every budget r: LoRA by truncated SVD (exact optimum), then ABBA (one Adam fit per
 * init, best kept), HiRA and optionally LoRA by Adam, all with r (m + n) trainable parameters.
 */
import type { Tensor } from '@webgrad/tensor';
import { type FitOptions, type FitResult, fitByAdam, type Parametrization } from './fit.js';
import { type AbbaInit, abbaParametrization, hiraParametrization, loraParametrization } from './methods.js';
import type { FitRecord, ResultRow } from './report.js';
import { loraSvdFit, numericalRank, singularValues } from './svd-baseline.js';
import type { Target } from './targets.js';

export interface RunOptions extends FitOptions {
  budgets: readonly number[];
  abbaInits: readonly AbbaInit[];
  loraAdam: boolean;
  seed: number;
}

export interface CurveRecord {
  kind: string;
  seed: number;
  r: number;
  label: string;
  curve: [number, number][];
}

export interface TargetResults {
  rows: ResultRow[];
  fits: FitRecord[];
  curves: CurveRecord[];
}

/**
 * Runs every method on `target` at every budget that fits (r <= min(m, n)); `log` gets one line
 * per budget.
 * @example const { rows } = await runTarget(target, { budgets: [8], abbaInits: ['svd'], ... });
 */
export async function runTarget(target: Target, o: RunOptions, log: (s: string) => void): Promise<TargetResults> {
  const [m, n] = target.t.shape as [number, number];
  const out: TargetResults = { rows: [], fits: [], curves: [] };
  for (const r of o.budgets) {
    if (r > Math.min(m, n)) {
      log(`  ${target.kind} r=${r}: skipped (r > min(m, n) = ${Math.min(m, n)})`);
      continue;
    }
    const t0 = performance.now();
    const svdFit = await loraSvdFit(target.t, r);
    const record = (f: FitResult) => {
      out.fits.push({
        kind: target.kind,
        seed: o.seed,
        r,
        method: f.label,
        relErr: f.relErr,
        steps: f.steps,
        lr: f.lr,
        lastTenthDrop: f.lastTenthDrop,
      });
      out.curves.push({ kind: target.kind, seed: o.seed, r, label: f.label, curve: f.curve });
    };
    const fitOne = (p: Parametrization): FitResult => {
      const f = fitByAdam(target.t, p, o);
      for (const q of p.params) q.dispose();
      record(f);
      return f;
    };
    // ABBA, r1 = r2 = r / 2 (arXiv 2505.14238 §3: same parameter count as LoRA at rank r).
    const half = r / 2;
    let best: FitResult | undefined;
    for (const [i, init] of o.abbaInits.entries()) {
      const p = await abbaParametrization(target.t, half, half, init, o.seed * 1000 + r * 10 + i);
      p.label = `abba/${init}#${i}`;
      const f = fitOne(p);
      if (!best || f.relErr < best.relErr) {
        best?.delta.dispose();
        best = f;
      } else f.delta.dispose();
    }
    const abba = best as FitResult;
    const abbaRank = numericalRank(await singularValues(abba.delta));
    abba.delta.dispose();
    const hira = fitOne(hiraParametrization(target.w0, r, o.seed * 1000 + r * 10 + 7));
    hira.delta.dispose();
    let loraAdam: FitResult | undefined;
    if (o.loraAdam) {
      loraAdam = fitOne(loraParametrization(m, n, r, o.seed * 1000 + r * 10 + 8));
      loraAdam.delta.dispose();
    }
    out.rows.push({
      kind: target.kind,
      seed: o.seed,
      m,
      n,
      r,
      params: r * (m + n),
      loraSvd: svdFit.relErr,
      loraAdam: loraAdam?.relErr,
      abba: abba.relErr,
      abbaInit: abba.label,
      abbaRank,
      abbaMaxRank: Math.min(half * half, m, n),
      hira: hira.relErr,
    });
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    log(
      `  ${target.kind} r=${r}: LoRA-SVD ${svdFit.relErr.toFixed(4)}  ABBA ${abba.relErr.toFixed(4)} (${abba.label})  HiRA ${hira.relErr.toFixed(4)}${loraAdam ? `  LoRA-Adam ${loraAdam.relErr.toFixed(4)}` : ''}  [${secs} s]`,
    );
  }
  return out;
}

/** Disposes a target's tensors. */
export function disposeTarget(t: { t: Tensor; w0: Tensor }): void {
  t.t.dispose();
  t.w0.dispose();
}
