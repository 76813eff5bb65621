/**
 * Training steps, the workloads a CPU user runs: the MLP step (784-256-256-10, batch 128, SGD),
 * a step of examples/tiny-transformer's GPT and of a wider one (AdamW). Each library's version is
 * written once (training/webgrad.ts, tfjs.ts, jaxjs.ts) from the same shapes, initial parameters
 * and batch (training/spec.ts); the first step's loss must agree across libraries before anything
 * is timed. Steps are timed interleaved (compareTimes: each round runs every library once, in a
 * rotated order) and include reading the loss back. Protocol, the same for every library: warm
 * up for at least WARMUP_MS (and 2 steps), since a JIT-compiled step (jax-js jit, V8 tiering
 * webgrad's and tfjs' code) reaches its steady speed only after tens of steps; then each sample
 * is the mean step time of a run of consecutive steps lasting at least SAMPLE_MS (one step when
 * a step is slower), so it measures training as a user runs it, not one step right after
 * another library had the caches.
 *
 * usage: node bench/dist/run.js training [--reps N] [--only mlp|tiny|wide]
 */
import { cpuThreadsReady, getCpuKernels, getCpuThreads } from '@webgrad/tensor';
import { writeJson, writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { loadTf, registerTfGradients, useTfBackend } from './lib/tfjs.js';
import { compareTimes } from './lib/timing.js';
import { jaxGpt, jaxMlp, loadJax } from './training/jaxjs.js';
import { MLP, type Step, TINY_GPT, WIDE_GPT } from './training/spec.js';
import { tfjsGpt, tfjsMlp } from './training/tfjs.js';
import { webgradGpt, webgradMlp } from './training/webgrad.js';

type Library = 'webgrad' | 'tfjs-cpu' | 'tfjs-wasm' | 'jax-js eager' | 'jax-js jit';
const LIBRARIES: Library[] = ['webgrad', 'tfjs-cpu', 'tfjs-wasm', 'jax-js eager', 'jax-js jit'];

interface Workload {
  key: string;
  name: string;
  make: Record<Library, () => Promise<Step | undefined>>;
}

/** A tfjs step bound to `backend`: its variables live there, and each call switches to it first. */
async function onTf(backend: 'cpu' | 'wasm', build: (tf: Awaited<ReturnType<typeof loadTf>>) => Step) {
  const tf = await loadTf();
  await registerTfGradients();
  if (!(await useTfBackend(backend))) return undefined;
  const step = build(tf);
  return async () => {
    await useTfBackend(backend);
    return step();
  };
}

const WORKLOADS: Workload[] = [
  {
    key: 'mlp',
    name: MLP.name,
    make: {
      webgrad: async () => webgradMlp(MLP),
      'tfjs-cpu': () => onTf('cpu', (tf) => tfjsMlp(tf, MLP)),
      'tfjs-wasm': () => onTf('wasm', (tf) => tfjsMlp(tf, MLP)),
      'jax-js eager': async () => {
        const jax = await loadJax();
        return jax && jaxMlp(jax, MLP, false);
      },
      'jax-js jit': async () => {
        const jax = await loadJax();
        return jax && jaxMlp(jax, MLP, true);
      },
    },
  },
  ...[TINY_GPT, WIDE_GPT].map((spec, i) => ({
    key: i === 0 ? 'tiny' : 'wide',
    name: spec.name,
    make: {
      webgrad: async () => webgradGpt(spec),
      'tfjs-cpu': () => onTf('cpu', (tf) => tfjsGpt(tf, spec)),
      'tfjs-wasm': () => onTf('wasm', (tf) => tfjsGpt(tf, spec)),
      'jax-js eager': async () => {
        const jax = await loadJax();
        return jax && jaxGpt(jax, spec, false);
      },
      'jax-js jit': async () => {
        const jax = await loadJax();
        return jax && jaxGpt(jax, spec, true);
      },
    },
  })),
];

async function build(w: Workload): Promise<Record<Library, Step | undefined>> {
  const steps = Object.fromEntries(LIBRARIES.map((l) => [l, undefined])) as Record<Library, Step | undefined>;
  for (const lib of LIBRARIES) {
    try {
      const step = await w.make[lib]();
      if (step) steps[lib] = step;
    } catch (e) {
      console.log(`(${lib} could not build ${w.key}: ${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return steps;
}

/** Every library's first loss must be webgrad's (the same function of the same numbers). */
async function checkAgreement(w: Workload, steps: Record<Library, Step | undefined>): Promise<string> {
  const first: [Library, number][] = [];
  for (const lib of LIBRARIES) {
    const step = steps[lib];
    if (!step) continue;
    try {
      first.push([lib, await step()]);
    } catch (e) {
      console.log(`(${lib} failed on ${w.key}, left out: ${e instanceof Error ? e.message : String(e)})`);
      steps[lib] = undefined;
    }
  }
  const ref = first.find(([l]) => l === 'webgrad')?.[1] ?? Number.NaN;
  for (const [lib, loss] of first) {
    if (!(Math.abs(loss - ref) <= 1e-4 * Math.max(1, Math.abs(ref))))
      throw new Error(
        `${w.key}: ${lib}'s first loss ${loss} differs from webgrad's ${ref}: the workloads are not the same`,
      );
  }
  return `first-step loss ${ref.toFixed(5)} in every library`;
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Warm-up per library and the shortest run of steps one sample averages (see the header). */
const WARMUP_MS = 3000;
const SAMPLE_MS = 500;

export async function main(args: string[]): Promise<void> {
  const reps = Number(arg(args, '--reps') ?? 7);
  const only = arg(args, '--only');
  const sections: string[] = [];
  await cpuThreadsReady();
  const setup = `webgrad CPU kernels: ${getCpuKernels()}, threads: ${getCpuThreads()}; each library warmed ${WARMUP_MS / 1000} s, each sample the mean of consecutive steps over >= ${SAMPLE_MS} ms`;
  const json: Record<string, unknown> = { kernels: getCpuKernels(), threads: getCpuThreads(), reps };
  for (const w of WORKLOADS.filter((w) => !only || w.key === only)) {
    const steps = await build(w);
    const agreement = await checkAgreement(w, steps);
    const t = await compareTimes(steps, {
      warmup: 2,
      warmupMs: WARMUP_MS,
      minSampleMs: SAMPLE_MS,
      reps,
      budgetMs: 120_000,
    });
    const ours = t.webgrad?.median ?? Number.NaN;
    const rows: Row[] = LIBRARIES.filter((l) => t[l]).map((l) => ({
      library: l,
      'ms / step (median)': t[l]?.median,
      'ms (min)': t[l]?.min,
      'time / webgrad': (t[l]?.median ?? Number.NaN) / ours,
    }));
    printTable(rows, `${w.name} (${agreement})`);
    sections.push(`## ${w.name}\n\n${agreement}; ${setup}\n\n${markdownTable(rows)}`);
    json[w.key] = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v]));
  }
  const path = writeResult('training', sections.join('\n\n'), 'Training steps on the CPU');
  writeJson('training', json);
  console.log(`\nwritten to ${path}`);
}
