import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveSafetensors } from '@webgrad/nn';
import { randn } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { groupedBarsSvg } from '../lib/plot-bars.js';
import { DEFAULTS, parseReconArgs } from '../reconstruction/args.js';
import { fitByAdam } from '../reconstruction/fit.js';
import { abbaParametrization, loraParametrization } from '../reconstruction/methods.js';
import { plotsFor } from '../reconstruction/plots.js';
import { loadRealUpdates, realUpdatesProblem } from '../reconstruction/real-updates.js';
import { bestMethod, formatFitTable, formatResultsTable, type ResultRow } from '../reconstruction/report.js';
import { runTarget } from '../reconstruction/run.js';
import { formatSummaryTable, meanRows } from '../reconstruction/summary.js';
import { eckartYoungError, loraSvdFit, numericalRank, singularValues } from '../reconstruction/svd-baseline.js';
import {
  HADAMARD_RANKS,
  LOWRANK_RANK,
  makeTarget,
  makeW0,
  normalizeRms,
  SYNTHETIC_KINDS,
  statedSpectrum,
} from '../reconstruction/targets.js';

const frob2 = (xs: readonly number[]) => xs.reduce((a, x) => a + x * x, 0);

describe('target generators', () => {
  it('are unit-RMS, float64 and reproducible for a seed', async () => {
    for (const kind of SYNTHETIC_KINDS) {
      const a = await makeTarget(kind, 20, 16, 3);
      const b = await makeTarget(kind, 20, 16, 3);
      expect(a.shape).toEqual([20, 16]);
      expect(a.dtype).toBe('float64');
      expect(frob2(Array.from(a.dataSync()))).toBeCloseTo(20 * 16, 8);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    }
  });

  it('decay kinds have the stated spectrum (up to the unit-RMS scale)', async () => {
    for (const kind of ['decay-poly', 'decay-exp'] as const) {
      const sigma = await singularValues(await makeTarget(kind, 24, 16, 0));
      const stated = statedSpectrum(kind, 16);
      const c = sigma[0]! / stated[0]!;
      for (const [i, s] of sigma.entries()) expect(s / c).toBeCloseTo(stated[i]!, 8);
    }
  });

  it('lowrank-noise has LOWRANK_RANK large singular values over a noise floor', async () => {
    const sigma = await singularValues(await makeTarget('lowrank-noise', 48, 40, 1));
    expect(sigma[LOWRANK_RANK - 1]! / sigma[LOWRANK_RANK]!).toBeGreaterThan(2);
    // Noise carries about 10% of the signal's norm: the tail holds under 2% of the energy.
    expect(eckartYoungError(sigma, LOWRANK_RANK)).toBeLessThan(0.14);
  });

  it('hadamard has rank r1 r2 (above r1 + r2), gaussian is full rank', async () => {
    const [r1, r2] = HADAMARD_RANKS;
    expect(numericalRank(await singularValues(await makeTarget('hadamard', 80, 72, 0)))).toBe(r1 * r2);
    expect(numericalRank(await singularValues(await makeTarget('gaussian', 20, 16, 0)))).toBe(16);
    expect(makeW0(8, 6, 0).shape).toEqual([8, 6]);
  });
});

describe('LoRA-SVD baseline', () => {
  it('measured error equals the Eckart-Young bound', async () => {
    for (const r of [1, 3, 8]) {
      const t = await makeTarget('gaussian', 18, 12, r);
      const { relErr, bound, sigma } = await loraSvdFit(t, r);
      expect(relErr).toBeCloseTo(bound, 10);
      expect(bound).toBeCloseTo(Math.sqrt(frob2(sigma.slice(r)) / frob2(sigma)), 12);
    }
    expect(eckartYoungError([4, 3], 1)).toBeCloseTo(0.6, 12);
    expect(numericalRank([1, 1e-3, 1e-12])).toBe(2);
  });

  it('Adam on LoRA reaches the bound (the optimiser is not the bottleneck for LoRA)', async () => {
    const t = await makeTarget('decay-exp', 16, 12, 0);
    const { bound } = await loraSvdFit(t, 4);
    const fit = fitByAdam(t, loraParametrization(16, 12, 4, 0), { steps: 400, lr: 0.03, minLr: 3e-4, logEvery: 50 });
    expect(fit.relErr).toBeLessThan(bound * 1.01);
    expect(fit.relErr).toBeGreaterThanOrEqual(bound - 1e-9);
  });
});

describe('ABBA fitter', () => {
  it('recovers a target that is exactly an ABBA product (best of a few restarts)', async () => {
    const g = (s: number[], k: number) => randn(s, { seed: 40 + k, dtype: 'float64' });
    const t = normalizeRms(
      g([16, 2], 0)
        .matmul(g([2, 12], 1))
        .mul(g([16, 2], 2).matmul(g([2, 12], 3))),
    );
    const opts = { steps: 500, lr: 0.03, minLr: 3e-4, logEvery: 50 };
    const errs: number[] = [];
    for (const [i, init] of (['svd', 'random', 'random', 'random'] as const).entries()) {
      const f = fitByAdam(t, await abbaParametrization(t, 2, 2, init, i), opts);
      expect(f.relErr).toBeLessThan(f.curve[0]![1]); // every fit reduces the error
      errs.push(f.relErr);
    }
    expect(Math.min(...errs)).toBeLessThan(0.02);
  });
});

const row = (over: Partial<ResultRow> = {}): ResultRow => ({
  kind: 'gaussian',
  seed: 0,
  m: 8,
  n: 6,
  r: 4,
  params: 56,
  loraSvd: 0.5,
  loraAdam: 0.50001,
  abba: 0.4,
  abbaInit: 'abba/svd#0',
  abbaRank: 4,
  abbaMaxRank: 4,
  hira: 0.7,
  ...over,
});

describe('results table', () => {
  it('formats one Markdown row per record with 4-decimal errors', () => {
    const lines = formatResultsTable([row(), row({ kind: 'decay-exp', loraAdam: undefined, abba: 0.5 })]).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| target \| seed \| m x n \| r \| params \| LoRA-SVD/);
    expect(lines[1]).toMatch(/^\| --- \|/);
    expect(lines[2]).toBe(
      '| gaussian | 0 | 8 x 6 | 4 | 56 | 0.5000 | 0.5000 | 0.4000 | abba/svd#0 | 4 / 4 | 0.7000 | 0.800 | ABBA |',
    );
    expect(lines[3]).toContain('| - |'); // no LoRA-Adam value
    expect(lines[3]?.endsWith('| 1.000 | LoRA-SVD |')).toBe(true); // ties go to LoRA-SVD
    expect(bestMethod(row({ hira: 0.1 }))).toBe('HiRA');
    const fits = formatFitTable([
      { kind: 'g', seed: 1, r: 4, method: 'hira', relErr: 0.25, steps: 10, lr: 0.03, lastTenthDrop: 0.001 },
    ]);
    expect(fits.split('\n')[2]).toBe('| g | 1 | 4 | hira | 10 | 0.03 | 0.2500 | 0.100% |');
  });

  it('draws the plots as SVG documents', () => {
    const rows = [row(), row({ r: 8, abbaRank: 16 })];
    const files = plotsFor(
      rows,
      [
        {
          kind: 'gaussian',
          seed: 0,
          r: 8,
          label: 'hira',
          curve: [
            [0, 1],
            [10, 0.5],
          ],
        },
      ],
      8,
    );
    expect(files.map(([f]) => f)).toEqual(['error-vs-r.svg', 'loss-curves.svg', 'bars.svg']);
    for (const [, svg] of files) expect(svg).toMatch(/^<svg [\s\S]*<\/svg>\n$/);
    expect(() => groupedBarsSvg(['a'], [{ name: 'x', values: [1, 2] }])).toThrow(/2 values for 1 groups/);
  });
});

describe('summary over seeds', () => {
  it('gives mean ± sd per target and budget, the budget as a share of m n, and wins per seed', () => {
    const rows = [
      row({ seed: 0, loraSvd: 0.5, abba: 0.4 }),
      row({ seed: 1, loraSvd: 0.7, abba: 0.8 }),
      row({ seed: 2, loraSvd: 0.6, abba: 0.6 }),
      row({ r: 2, params: 28, seed: 0 }),
    ];
    const lines = formatSummaryTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\| target \| m x n \| r \| params \(% of m n\) \| seeds \|/);
    // LoRA-SVD 0.5, 0.7, 0.6: mean 0.6, sd 0.1; ABBA 0.4, 0.8, 0.6: mean 0.6, sd 0.2; ratio 0.8, 8/7, 1.
    expect(lines[2]).toContain('| 56 (116.7%) | 3 | 0.6000 ± 0.1000 | 0.6000 ± 0.2000 | 0.7000 ± 0.0000 |');
    expect(lines[2]).toContain(`| ${((0.8 + 8 / 7 + 1) / 3).toFixed(3)} ±`);
    expect(lines[2]).toContain('ABBA 1/3, LoRA-SVD 2/3');
    const means = meanRows(rows);
    expect(means).toHaveLength(2);
    expect(means[0]?.abba).toBeCloseTo(0.6, 12);
    expect(means[0]?.seed).toBe(-1);
  });
});

describe('run and options', () => {
  it('runs every method at a tiny size and parses options', async () => {
    const t = await makeTarget('decay-poly', 10, 8, 0);
    const opts = { budgets: [2, 4, 12], abbaInits: ['svd'] as const, loraAdam: false, seed: 0 };
    const lines: string[] = [];
    const res = await runTarget(
      { kind: 'decay-poly', t, w0: makeW0(10, 8, 0), description: '' },
      {
        ...opts,
        steps: 30,
        lr: 0.03,
        minLr: 3e-4,
        logEvery: 10,
      },
      (s) => lines.push(s),
    );
    expect(res.rows.map((x) => x.r)).toEqual([2, 4]);
    expect(lines.some((l) => l.includes('r=12: skipped'))).toBe(true);
    expect(res.fits).toHaveLength(4); // ABBA + HiRA at two budgets
    expect(parseReconArgs(['--budgets', '4,8', '--no-lora-adam']).budgets).toEqual([4, 8]);
    expect(parseReconArgs([]).steps).toBe(DEFAULTS.steps);
    expect(() => parseReconArgs(['--budgets', '3'])).toThrow(/even/);
    expect(parseReconArgs(['--seeds', '0,1,2']).seeds).toEqual([0, 1, 2]);
    expect(parseReconArgs(['--seed', '4']).seeds).toEqual([4]);
    expect(() => parseReconArgs(['--seeds', '-1'])).toThrow(/seeds/);
  });

  it('reads real updates from a checkpoint pair, or says why it cannot', async () => {
    expect(realUpdatesProblem(undefined, 'a', 'b')).toMatch(/no --real-updates/);
    const dir = await mkdtemp(join(tmpdir(), 'recon-'));
    try {
      expect(realUpdatesProblem(dir, 'base.safetensors', 'ft.safetensors')).toMatch(/lacks base.safetensors and ft/);
      const w = randn([6, 4], { seed: 1 });
      const base = { 'h.fc.weight': w, 'h.fc.bias': randn([6], { seed: 2 }), 'wte.weight': randn([5, 4], { seed: 3 }) };
      const ft = { ...base, 'h.fc.weight': w.add(randn([6, 4], { seed: 4 })) };
      await saveSafetensors(join(dir, 'base.safetensors'), base);
      await saveSafetensors(join(dir, 'ft.safetensors'), ft);
      expect(realUpdatesProblem(dir, 'base.safetensors', 'ft.safetensors')).toBeUndefined();
      const { targets, skipped } = await loadRealUpdates(dir, 'base.safetensors', 'ft.safetensors');
      expect(targets.map((x) => x.kind)).toEqual(['real:h.fc']);
      expect(targets[0]?.t.shape).toEqual([6, 4]);
      expect(skipped).toEqual(['wte.weight: embedding table, not an adapter target']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
