/**
 * The results: results.md (tables), runs.json (every run, raw), the base's spectra (base.json) and
 * the SVG plots, all regenerated from the per-run JSON files of the evaluation.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaseInfo } from './base-model.js';
import { METHOD_KEYS, type MethodKey, methodLabel } from './methods.js';
import type { GeluMLP } from './mlp.js';
import { PRIMARY_R, STAGES } from './plan.js';
import { curvePlotSvg, intervalPlotSvg } from './plots.js';
import type { ReconstructionRow } from './reconstruct.js';
import { ARM_DESCRIPTION, ARMS, type Arm } from './shifts.js';
import { energyRank, singularValues, stableRank } from './spectrum.js';
import { mean, type PairedInterval, pairedInterval, sampleSd } from './stats.js';
import type { RunResult } from './train.js';
import { GRID_LRS, GRID_SCALE_FACTORS, type Tuned } from './tune.js';

export interface BaseSpectra {
  sha256: string;
  heldOutRelativeMse: number;
  layers: {
    name: string;
    shape: number[];
    frobenius: number;
    stableRank: number;
    energyRank90: number;
    singularValues: number[];
  }[];
}

/** Singular spectrum, stable rank and 90%-energy rank of each W0 of the base. */
export async function baseSpectra(base: GeluMLP, info: BaseInfo): Promise<BaseSpectra> {
  const layers: BaseSpectra['layers'] = [];
  for (let i = 0; i < base.depth; i++) {
    const w = (base as unknown as Record<string, { weight: import('@webgrad/tensor').Tensor }>)[`fc${i}`]?.weight;
    if (!w) continue;
    const s = await singularValues(w);
    layers.push({
      name: `fc${i}`,
      shape: [...w.shape],
      frobenius: Math.sqrt(s.reduce((a, x) => a + x * x, 0)),
      stableRank: stableRank(s),
      energyRank90: energyRank(s, 0.9),
      singularValues: s.map((x) => Number(x.toPrecision(5))),
    });
  }
  return { sha256: info.sha256, heldOutRelativeMse: info.heldOutRelativeMse, layers };
}

export interface ReportOptions {
  runsDir: string;
  results: string;
  tuned: Tuned;
  spectra: BaseSpectra;
  seeds: readonly number[];
  steps: number;
  /** Direct fits of each arm's dW* (reconstruct.ts), if made. */
  reconstruction?: ReconstructionRow[];
  log: (s: string) => void;
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '-');
const f4 = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '-');
const pm = (xs: number[]) =>
  xs.length === 0 ? '-' : xs.length === 1 ? f4(xs[0] as number) : `${f4(mean(xs))} ± ${f4(sampleSd(xs))}`;

/** All runs in `dir` with `steps` steps and a seed in `seeds`. */
export function loadRuns(dir: string, steps: number, seeds: readonly number[]): RunResult[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as RunResult)
    .filter((r) => r.spec.steps === steps && seeds.includes(r.taskSeed));
}

const runsOf = (runs: RunResult[], arm: Arm, key: MethodKey, r: number) =>
  runs
    .filter(
      (x) =>
        x.arm === arm &&
        x.spec.method === key &&
        (key === 'full' || x.spec.r === r) &&
        (key !== 'full' || x.spec.r === PRIMARY_R),
    )
    .sort((a, b) => a.taskSeed - b.taskSeed);

/** Paired difference a - b of test R over the seeds both have (undefined when fewer than 2). */
export function pairedTestR(
  runs: RunResult[],
  arm: Arm,
  a: [MethodKey, number],
  b: [MethodKey, number],
): PairedInterval | undefined {
  const ra = runsOf(runs, arm, ...a);
  const rb = new Map(runsOf(runs, arm, ...b).map((x) => [x.taskSeed, x]));
  const both = ra.filter((x) => rb.has(x.taskSeed));
  if (both.length < 2) return undefined;
  return pairedInterval(
    both.map((x) => x.testR as number),
    both.map((x) => rb.get(x.taskSeed)?.testR as number),
  );
}

export function verdict(p: PairedInterval, a: string, b: string): string {
  if (p.low > 0) return `${a} > ${b}`;
  if (p.high < 0) return `${b} > ${a}`;
  return 'no difference shown (interval contains 0)';
}

const meanError = (x: RunResult) => mean(Object.values(x.shiftError));

function methodTable(runs: RunResult[], arm: Arm): string[] {
  const lines = [
    '| method | budget r | trainable | n | test R (mean ± sd) | validation R | steps to R = 0.5 | ‖dW − dW*‖/‖dW*‖ (mean of 2 layers) | s/run |',
    '| --- | --- | ---: | ---: | --- | --- | --- | --- | ---: |',
  ];
  for (const r of [16, 8])
    for (const key of METHOD_KEYS) {
      if (key === 'full' && r !== PRIMARY_R) continue;
      const rs = runsOf(runs, arm, key, r);
      if (rs.length === 0) continue;
      const reached = rs.map((x) => x.stepsToHalf).filter((s): s is number => s !== null);
      const half =
        reached.length === 0
          ? 'never'
          : `${mean(reached).toFixed(0)}${reached.length < rs.length ? ` (${reached.length}/${rs.length} reached)` : ''}`;
      lines.push(
        `| ${methodLabel(key, r)} | ${key === 'full' ? '-' : r} | ${rs[0]?.trainable.toLocaleString('en-US')} | ${rs.length} | ${pm(rs.map((x) => x.testR as number))} | ${pm(rs.map((x) => x.validationR))} | ${half} | ${pm(rs.map(meanError))} | ${mean(rs.map((x) => x.seconds)).toFixed(0)} |`,
      );
    }
  return lines;
}

const COMPARISONS: [string, [MethodKey, number], [MethodKey, number]][] = [
  ['ABBA − LoRA', ['abba', 16], ['lora', 16]],
  ['ABBA − HiRA', ['abba', 16], ['hira', 16]],
  ['HiRA − LoRA', ['hira', 16], ['lora', 16]],
  ['ABBA r1=r2=16 − LoRA r=32', ['abbaR', 16], ['lora2r', 16]],
  ['ABBA − LoRA (r = 8)', ['abba', 8], ['lora', 8]],
];

function tuningTable(tuned: Tuned): string[] {
  const lines = [
    '| method | s0 | ' +
      GRID_LRS.flatMap((lr) => GRID_SCALE_FACTORS.map((f) => `lr ${lr}, ${f} s0`)).join(' | ') +
      ' | chosen |',
    `| --- | ---: | ${GRID_LRS.flatMap(() => GRID_SCALE_FACTORS.map(() => '---:')).join(' | ')} | --- |`,
  ];
  const slots = [...new Set(tuned.grid.map((g) => g.slot))];
  for (const slot of slots) {
    const [key, r] = slot.split('@') as [MethodKey, string];
    const cells = GRID_LRS.flatMap((lr) =>
      GRID_SCALE_FACTORS.map((f) => {
        const g = tuned.grid.find((x) => x.slot === slot && x.lr === lr && (key === 'full' ? f === 1 : x.factor === f));
        return g ? f4(g.validationR) : key === 'full' ? '' : '-';
      }),
    );
    const c = tuned.choice[slot];
    const s0 = tuned.s0[slot]?.s0;
    lines.push(
      `| ${methodLabel(key, Number(r))} | ${s0 === undefined ? '-' : s0.toPrecision(3)} | ${cells.join(' | ')} | lr ${c?.lr}${key === 'full' ? '' : `, s = ${c?.factor} s0 = ${c?.scale.toPrecision(3)}`} |`,
    );
  }
  for (const [slot, c] of Object.entries(tuned.choice))
    if (c.how === 'transferred') {
      const [key, r] = slot.split('@') as [MethodKey, string];
      lines.push(
        `| ${methodLabel(key, Number(r))} (not tuned) | ${tuned.s0[slot]?.s0.toPrecision(3)} | ${GRID_LRS.flatMap(() => GRID_SCALE_FACTORS.map(() => '')).join(' | ')} | from ${c.from}: lr ${c.lr}, s = ${c.factor} s0 = ${c.scale.toPrecision(3)} |`,
      );
    }
  return lines;
}

/** Writes results.md, runs.json and the plots from the runs in `o.runsDir`. */
export async function writeReport(o: ReportOptions): Promise<void> {
  const runs = loadRuns(o.runsDir, o.steps, o.seeds);
  await writeFile(join(o.results, 'runs.json'), `${JSON.stringify(runs)}\n`);
  const md: string[] = [`<!-- generated by pnpm --filter examples transfer; ${runs.length} runs -->`, ''];
  const primary = pairedTestR(runs, 'P', ['abba', PRIMARY_R], ['lora', PRIMARY_R]);
  md.push('### Primary endpoint: arm P, r = 16, test R at the last step, ABBA r1=r2=8 − LoRA r=16', '');
  md.push(
    primary
      ? `Paired difference ${f4(primary.mean)} (sd ${f4(primary.sd)}), 95% t-interval [${f4(primary.low)}, ${f4(primary.high)}] (n = ${primary.n}, t = ${primary.t.toFixed(3)}): **${verdict(primary, 'ABBA', 'LoRA')}**.`
      : 'Not yet measured.',
    '',
  );
  const control = pairedTestR(runs, 'L', ['abba', PRIMARY_R], ['lora', PRIMARY_R]);
  md.push(
    control
      ? `Control (arm L, LoRA-native, must show no ABBA advantage): ABBA − LoRA ${f4(control.mean)}, 95% [${f4(control.low)}, ${f4(control.high)}] (n = ${control.n}): ${verdict(control, 'ABBA', 'LoRA')}; the control ${control.low > 0 ? '**fails** (ABBA ahead on LoRA-native shifts: suspect the setup)' : 'holds'}.`
      : 'Control (arm L): not yet measured.',
    '',
  );
  md.push(
    '### Paired differences of test R (95% t-intervals over seeds)',
    '',
    '| arm | comparison | n | mean | 95% interval | verdict |',
    '| --- | --- | ---: | ---: | --- | --- |',
  );
  const intervals: { label: string; p: PairedInterval }[] = [];
  for (const arm of ARMS)
    for (const [name, a, b] of COMPARISONS) {
      const p = pairedTestR(runs, arm, a, b);
      if (!p) continue;
      const [left, right] = name.split(' − ') as [string, string];
      md.push(
        `| ${arm} | ${name} | ${p.n} | ${f4(p.mean)} | [${f4(p.low)}, ${f4(p.high)}] | ${verdict(p, left, right.replace(/ \(r = 8\)$/, ''))} |`,
      );
      intervals.push({ label: `${arm}: ${name}`, p });
    }
  md.push('');
  for (const arm of ARMS) {
    const lines = methodTable(runs, arm);
    if (lines.length <= 2) continue;
    md.push(`### Arm ${arm}: ${ARM_DESCRIPTION[arm]}`, '', ...lines, '');
  }
  if (o.reconstruction?.length) {
    md.push(
      '### Reconstruction of dW* (fc1, one seed): the best each parametrisation can do at r = 16',
      '',
      "Relative error ‖dW − dW*‖_F / ‖dW*‖_F of a direct fit (examples/reconstruction: LoRA by truncated SVD, exact; ABBA and HiRA by Adam, best of the SVD and a random init for ABBA), next to fine-tuning's error on the same layer and seed.",
      '',
      '| arm | r | LoRA (SVD) | ABBA r1=r2=r/2 (fit) | HiRA (fit) | LoRA FT | ABBA FT | HiRA FT |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    for (const row of o.reconstruction) {
      const ft = (key: MethodKey) => {
        const x = runsOf(runs, row.arm, key, row.r).find((q) => q.taskSeed === row.seed);
        return x ? f4(x.shiftError.fc1) : '-';
      };
      md.push(
        `| ${row.arm} | ${row.r} | ${f4(row.loraSvd)} | ${f4(row.abba)} | ${f4(row.hira)} | ${ft('lora')} | ${ft('abba')} | ${ft('hira')} |`,
      );
    }
    md.push('');
  }
  md.push(
    '### Stages completed',
    '',
    '| stage | arms | methods | r | runs done / planned |',
    '| --- | --- | --- | ---: | ---: |',
  );
  for (const st of STAGES) {
    const done = st.arms.reduce(
      (acc, arm) => acc + st.methods.reduce((a, m) => a + runsOf(runs, arm, m, st.r).length, 0),
      0,
    );
    md.push(
      `| ${st.name} | ${st.arms.join(', ')} | ${st.methods.map((m) => methodLabel(m, st.r)).join(', ')} | ${st.r} | ${done} / ${st.arms.length * st.methods.length * o.seeds.length} |`,
    );
  }
  md.push('', '### Tuning (arm P, tuning seed, validation R at the last step)', '', ...tuningTable(o.tuned), '');
  md.push(
    '### Base model',
    '',
    `sha256 \`${o.spectra.sha256}\`; held-out MSE / Var(teacher) = ${f4(o.spectra.heldOutRelativeMse)}.`,
    '',
    '| W0 | shape | ‖W0‖_F | stable rank | rank for 90% energy | σ1, σ2, σ4, σ8, σ16, σ32, σ64, σ_min |',
    '| --- | --- | ---: | ---: | ---: | --- |',
  );
  for (const l of o.spectra.layers) {
    const s = l.singularValues;
    const pick = [0, 1, 3, 7, 15, 31, 63].filter((i) => i < s.length).map((i) => f3(s[i] as number));
    md.push(
      `| ${l.name} | ${l.shape.join(' x ')} | ${f3(l.frobenius)} | ${l.stableRank.toFixed(2)} | ${l.energyRank90} | ${[...pick, f3(s.at(-1) as number)].join(', ')} |`,
    );
  }
  await writeFile(join(o.results, 'results.md'), `${md.join('\n')}\n`);
  for (const arm of ARMS) {
    const series = METHOD_KEYS.map((key) => ({ key, rs: runsOf(runs, arm, key, PRIMARY_R) })).filter(
      (s) => s.rs.length > 0,
    );
    if (series.length === 0) continue;
    await writeFile(
      join(o.results, `curve-${arm}.svg`),
      curvePlotSvg(
        series.map((s) => ({ name: methodLabel(s.key, PRIMARY_R), curves: s.rs.map((x) => x.curve) })),
        `arm ${arm} (${ARM_DESCRIPTION[arm]}), r = 16: validation R vs step, mean over ${o.seeds.length} seeds`,
      ),
    );
  }
  if (intervals.length > 0)
    await writeFile(
      join(o.results, 'paired.svg'),
      intervalPlotSvg(
        intervals.map((x) => ({ label: x.label, ...x.p })),
        'paired differences of test R, 95% t-intervals',
      ),
    );
  o.log(`wrote ${join(o.results, 'results.md')} (${runs.length} runs)`);
}
