/**
 * `pnpm --filter examples reconstruction`: experiment 1 of the ABBA paper (arXiv 2505.14238,
 * expressivity): how well can each adapter's update, at the same trainable-parameter budget
 * r (m + n), reproduce a given matrix T? LoRA at rank r (truncated SVD, the Eckart-Young
 * optimum), ABBA with r1 = r2 = r / 2 and HiRA at rank r (both fitted by Adam). Writes
 * examples/out/reconstruction/{results.md, error-vs-r.svg, loss-curves.svg, bars.svg}.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReconArgs, type ReconArgs } from './args.js';
import { plotsFor } from './plots.js';
import { loadRealUpdates, realUpdatesProblem } from './real-updates.js';
import { type FitRecord, formatFitTable, formatResultsTable, type ResultRow } from './report.js';
import { type CurveRecord, disposeTarget, runTarget } from './run.js';
import { formatSummaryTable, meanRows } from './summary.js';
import { KIND_DESCRIPTIONS, makeTarget, makeW0, SYNTHETIC_KINDS, type Target } from './targets.js';

async function main(args: ReconArgs): Promise<void> {
  const started = performance.now();
  const log = (s: string) => console.log(s);
  const opts = { ...args, logEvery: Math.max(1, Math.floor(args.steps / 60)) };
  const rows: ResultRow[] = [];
  const fits: FitRecord[] = [];
  const curves: CurveRecord[] = [];
  const notes: string[] = [];
  const collect = async (target: Target, seed: number) => {
    log(`${target.kind} (seed ${seed}): ${target.description}`);
    const res = await runTarget(target, { ...opts, seed }, log);
    rows.push(...res.rows);
    fits.push(...res.fits);
    curves.push(...res.curves);
    disposeTarget(target);
  };
  log(
    `reconstruction: ${args.m} x ${args.n}, budgets ${args.budgets.join(',')}, Adam ${args.steps} steps, lr ${args.lr} -> ${args.minLr} (cosine), ABBA inits ${args.abbaInits.join(',')}, seeds ${args.seeds.join(',')}`,
  );
  for (const seed of args.seeds)
    for (const kind of args.kinds) {
      // A kind's seed does not depend on which other kinds run, so subsets reproduce the full run.
      const i = SYNTHETIC_KINDS.indexOf(kind);
      const s = seed * SYNTHETIC_KINDS.length + i;
      const t = await makeTarget(kind, args.m, args.n, s);
      await collect({ kind, t, w0: makeW0(args.m, args.n, s), description: KIND_DESCRIPTIONS[kind] }, seed);
    }
  const problem = realUpdatesProblem(args.realUpdates, args.baseName, args.finetunedName);
  if (problem) {
    notes.push(`Real updates skipped: ${problem}.`);
    log(`real updates: skipped (${problem})`);
  } else {
    const real = await loadRealUpdates(args.realUpdates as string, args.baseName, args.finetunedName);
    for (const s of real.skipped) notes.push(`Real updates: left out ${s}.`);
    if (real.targets.length === 0) notes.push('Real updates: no changed 2-d adapter weights found.');
    for (const target of real.targets) await collect(target, args.seeds[0] as number);
  }
  const seconds = (performance.now() - started) / 1000;
  const table = args.seeds.length > 1 ? formatSummaryTable(rows) : formatResultsTable(rows);
  log(`\n${table}\n`);
  for (const note of notes) log(note);
  log(`total ${seconds.toFixed(1)} s`);
  mkdirSync(args.out, { recursive: true });
  const command = `node examples/dist/reconstruction/main.js ${process.argv.slice(2).join(' ')}`.trim();
  writeFileSync(join(args.out, 'results.md'), resultsMarkdown(args, command, table, rows, fits, notes, seconds));
  const firstSeed = args.seeds[0] as number;
  const firstCurves = curves.filter((c) => c.seed === firstSeed);
  for (const [file, svg] of plotsFor(meanRows(rows), firstCurves, args.curveBudget))
    writeFileSync(join(args.out, file), svg);
  writeFileSync(join(args.out, 'results.json'), JSON.stringify({ args, seconds, rows, fits }, null, 1));
  log(`wrote ${args.out}/results.md and plots`);
}

function resultsMarkdown(
  a: ReconArgs,
  command: string,
  table: string,
  rows: readonly ResultRow[],
  fits: readonly FitRecord[],
  notes: readonly string[],
  seconds: number,
): string {
  return [
    '# Matrix reconstruction: relative Frobenius error ||dW - T||_F / ||T||_F',
    '',
    `Command: \`${command}\` (${seconds.toFixed(0)} s, CPU backend, float64).`,
    `Budgets r: ${a.budgets.join(', ')}; every method has r (m + n) trainable parameters. Adam: ${a.steps} steps,`,
    `cosine lr ${a.lr} -> ${a.minLr}; ABBA inits ${a.abbaInits.join(', ')} (best kept); seeds ${a.seeds.join(', ')}.`,
    'Synthetic targets are unit-RMS; HiRA multiplies by a Gaussian W0 drawn independently of T.',
    '',
    table,
    '',
    ...(a.seeds.length > 1 ? ['## Every seed', '', formatResultsTable(rows), ''] : []),
    ...notes.map((x) => `- ${x}`),
    '',
    '## Every Adam fit',
    '',
    formatFitTable(fits),
    '',
  ].join('\n');
}

try {
  await main(parseReconArgs(process.argv.slice(2)));
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
}
