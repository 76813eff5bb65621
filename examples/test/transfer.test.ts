import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randn, svd, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { parseTransferArgs } from '../transfer/args.js';
import { makeTask, recovered } from '../transfer/data.js';
import { evaluate } from '../transfer/evaluate.js';
import { GeluMLP } from '../transfer/mlp.js';
import { reconstructShifts } from '../transfer/reconstruct.js';
import { writeReport } from '../transfer/report.js';
import { A_RANKS, ARMS, armSpectrum, H_RANK, L_RANK, plantedShift, SHIFT_SIZE } from '../transfer/shifts.js';
import { energyRank, singularValues, stableRank } from '../transfer/spectrum.js';
import { mean, pairedInterval, sampleSd, studentTCdf, tQuantile } from '../transfer/stats.js';
import { runOnce } from '../transfer/train.js';
import { tune } from '../transfer/tune.js';

const frob = (t: Tensor) => Math.sqrt(t.square().sum().dataSync()[0] as number);

describe('planted shifts', () => {
  const w0 = randn([40, 32], { seed: 3, dtype: 'float64' });
  it('every arm has ||dW*||_F = 0.3 ||W0||_F and is reproducible for a seed', async () => {
    for (const arm of ARMS) {
      const d = await plantedShift(arm, w0, 5);
      expect(frob(d) / frob(w0)).toBeCloseTo(SHIFT_SIZE, 10);
      const again = await plantedShift(arm, w0, 5);
      expect(frob(d.sub(again))).toBe(0);
      const other = await plantedShift(arm, w0, 6);
      expect(frob(d.sub(other))).toBeGreaterThan(0.1 * frob(d));
    }
  });

  it('P has sigma_k ∝ k^-1/2 over all directions; L is flat rank 4', async () => {
    const sp = await singularValues(await plantedShift('P', w0, 1));
    expect(sp).toHaveLength(32);
    const c = (sp[0] as number) / (armSpectrum('P', 32)[0] as number);
    for (const [k, s] of sp.entries()) expect(s / c).toBeCloseTo(1 / Math.sqrt(k + 1), 8);
    const norm = Math.sqrt(armSpectrum('P', 32).reduce((a, x) => a + x * x, 0));
    expect(c).toBeCloseTo((SHIFT_SIZE * frob(w0)) / norm, 8);
    const sl = await singularValues(await plantedShift('L', w0, 1));
    for (let k = 0; k < L_RANK; k++) expect((sl[k] as number) / (sl[0] as number)).toBeCloseTo(1, 8);
    expect((sl[L_RANK] as number) / (sl[0] as number)).toBeLessThan(1e-10);
  });

  it('H is W0 ⊙ (rank 8) and A has rank <= 4 * 4', async () => {
    const h = await plantedShift('H', w0, 2);
    const ratio = await singularValues(h.div(w0)); // W0 has no zero entries almost surely
    expect((ratio[H_RANK - 1] as number) / (ratio[0] as number)).toBeGreaterThan(1e-6);
    expect((ratio[H_RANK] as number) / (ratio[0] as number)).toBeLessThan(1e-9);
    const sa = await singularValues(await plantedShift('A', w0, 2));
    const r = A_RANKS[0] * A_RANKS[1];
    expect((sa[r - 1] as number) / (sa[0] as number)).toBeGreaterThan(1e-6);
    expect((sa[r] as number) / (sa[0] as number)).toBeLessThan(1e-9);
  });
});

describe('spectrum helpers', () => {
  it('recover a planted spectrum U diag(s) V^T and its stable rank', async () => {
    const s = [5, 3, 2, 1, 0.5];
    const u = (await svd(randn([7, 5], { seed: 1, dtype: 'float64' }))).u;
    const v = (await svd(randn([6, 5], { seed: 2, dtype: 'float64' }))).u;
    const w = u.mul(tensor(s, { dtype: 'float64' })).matmul(v.mT);
    const got = await singularValues(w);
    for (const [i, x] of got.slice(0, 5).entries()) expect(x).toBeCloseTo(s[i] as number, 9);
    // Reference: ||W||_F^2 / ||W||_2^2 computed from the matrix itself.
    expect(stableRank(got)).toBeCloseTo(frob(w) ** 2 / 25, 9);
    expect(stableRank([1, 1, 1, 0])).toBe(3);
    expect(energyRank([3, 1, 1, 1], 0.75)).toBe(1);
    expect(energyRank([3, 1, 1, 1], 0.76)).toBe(2);
  });
});

describe('statistics', () => {
  it('t quantiles match tabulated values (t_{0.975, 4} = 2.776)', () => {
    // NIST/SEMATECH e-Handbook §1.3.6.7.2: 12.706 (df 1), 2.776 (df 4), 2.228 (df 10).
    expect(tQuantile(0.975, 4)).toBeCloseTo(2.776445, 5);
    expect(tQuantile(0.975, 1)).toBeCloseTo(12.706205, 4);
    expect(tQuantile(0.975, 10)).toBeCloseTo(2.228139, 5);
    expect(studentTCdf(0, 3)).toBeCloseTo(0.5, 12);
    // df 1 is the Cauchy distribution: F(t) = 1/2 + atan(t) / pi.
    expect(studentTCdf(2, 1)).toBeCloseTo(0.5 + Math.atan(2) / Math.PI, 8);
  });

  it('the paired interval is mean ± t sd / sqrt(n) of the differences', () => {
    const a = [0.9, 0.8, 0.85, 0.7, 0.95];
    const b = [0.7, 0.75, 0.8, 0.72, 0.8];
    const p = pairedInterval(a, b);
    const d = a.map((x, i) => x - (b[i] as number));
    expect(p.mean).toBeCloseTo(mean(d), 12);
    expect(p.sd).toBeCloseTo(sampleSd(d), 12);
    expect(p.high - p.mean).toBeCloseTo((2.776445 * sampleSd(d)) / Math.sqrt(5), 5);
    expect(sampleSd([1, 2, 3, 4])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(() => pairedInterval([1], [2])).toThrow();
  });
});

describe('arguments', () => {
  it('reject the tuning seed and unknown stages', () => {
    expect(parseTransferArgs([]).steps).toBe(1000);
    expect(() => parseTransferArgs(['--seeds', '0,1'])).toThrow(/tuning seed/);
    expect(() => parseTransferArgs(['--stages', 'nope'])).toThrow(/unknown/);
  });
});

describe('a tiny end-to-end run', () => {
  it('tunes, evaluates and reports at small sizes', { timeout: 120_000 }, async () => {
    const base = new GeluMLP([64, 16, 16, 16, 16], 1);
    const sizes = { train: 256, validation: 128, test: 128 };
    const task = await makeTask(base, 'P', 0, sizes);
    expect(recovered(base, task.test)).toBeCloseTo(0, 12);
    const spec = { r: 4, lr: 1e-2, scale: 1, seed: 1, steps: 6, warmupSteps: 2, batchSize: 32, evalEvery: 3 };
    for (const method of ['lora', 'abba', 'hira', 'full'] as const) {
      const res = await runOnce(base, task, { ...spec, method });
      expect(res.curve.map(([s]) => s)).toEqual([0, 3, 6]);
      expect(res.curve[0]?.[1]).toBeCloseTo(0, 5); // dW = 0 at the start: R = 0
      expect(Number.isFinite(res.testR)).toBe(true);
      expect(res.trainable).toBe(method === 'full' ? 2 * 16 * 16 : 2 * 4 * 32);
      for (const e of Object.values(res.shiftError)) expect(e).toBeGreaterThan(0);
    }
    const dir = await mkdtemp(join(tmpdir(), 'transfer-'));
    try {
      const tuned = await tune(base, task, 'sha', {
        gridSlots: ['lora@4', 'abba@4', 'full@4'],
        transferred: [['lora2r@4', 'lora@4']],
        steps: 3,
        warmupSteps: 1,
        batchSize: 32,
        evalEvery: 0,
        outDir: join(dir, 'tune'),
        log: () => {},
      });
      expect(tuned.s0['lora@4']?.s0).toBe(1);
      const abba = tuned.s0['abba@4'];
      expect(Math.abs((abba?.ratio as number) / (abba?.target as number) - 1)).toBeLessThan(0.02);
      expect(tuned.grid).toHaveLength(9 + 9 + 3);
      expect(tuned.choice['lora2r@4']?.how).toBe('transferred');
      const stages = [{ name: 'tiny', arms: ['P' as const], methods: ['lora' as const, 'abba' as const], r: 4 }];
      const opts = {
        stages,
        seeds: [1, 2],
        steps: 3,
        warmupSteps: 1,
        batchSize: 32,
        evalEvery: 3,
        runsDir: join(dir, 'runs'),
        deadline: Date.now() + 60_000,
        log: () => {},
        sizes,
      };
      expect(await evaluate(base, tuned, opts)).toBe(true);
      const spectra = { sha256: 'sha', heldOutRelativeMse: 0, layers: [] };
      const reconstruction = await reconstructShifts(base, 1, [4], () => {}, ['L'], 200);
      // L is exactly rank 4: the truncated SVD at r = 4 recovers it.
      expect(reconstruction[0]?.loraSvd).toBeLessThan(1e-8);
      expect(reconstruction[0]?.abba).toBeGreaterThan(0);
      await writeReport({
        reconstruction,
        runsDir: opts.runsDir,
        results: dir,
        tuned,
        spectra,
        seeds: [1, 2],
        steps: 3,
        log: () => {},
      });
      const runs = JSON.parse(await readFile(join(dir, 'runs.json'), 'utf8')) as unknown[];
      expect(runs).toHaveLength(4);
      const md = await readFile(join(dir, 'results.md'), 'utf8');
      expect(md).toContain('Tuning');
      expect(md).toContain('Reconstruction of dW*');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
