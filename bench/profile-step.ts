/**
 * Where a webgrad training step spends its time: the steps of `pnpm bench training` (MLP, tiny
 * and wide GPT, from training/webgrad.ts) timed by phase (forward, backward, optimizer), their
 * dispatched primitives counted, then run under V8's sampling profiler (the inspector's, as
 * `node --cpu-prof` would) with the self time summed by part of the code base and by function.
 * The main thread is what is sampled: kernels that worker threads run show up as the main
 * thread waiting for them inside the CPU backend.
 *
 * usage: node bench/dist/run.js profile [--only mlp|tiny|wide] [--steps N] [--top K] [--save]
 * (--save also writes the raw .cpuprofile files to bench/results/, for Chrome DevTools.)
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';
import { backward } from '@webgrad/autograd';
import {
  addObserver,
  cpuThreadsReady,
  getBackend,
  getCpuKernels,
  getCpuThreads,
  PRIMS,
  type Prim,
  tidy,
} from '@webgrad/tensor';
import { type CpuProfile, functionKey, selfTimeBy, shortFile } from './lib/cpu-profile.js';
import { resultsDir, writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { median } from './lib/timing.js';
import { MLP, TINY_GPT, WIDE_GPT } from './training/spec.js';
import { type StepParts, webgradGptParts, webgradMlpParts } from './training/webgrad.js';

const WORKLOADS: { key: string; name: string; make: () => StepParts }[] = [
  { key: 'mlp', name: MLP.name, make: () => webgradMlpParts(MLP) },
  { key: 'tiny', name: TINY_GPT.name, make: () => webgradGptParts(TINY_GPT) },
  { key: 'wide', name: WIDE_GPT.name, make: () => webgradGptParts(WIDE_GPT) },
];

/** Parts of the code base, first match wins (paths as `shortFile` writes them). */
const PARTS: [RegExp, string][] = [
  [/^wasm$/, 'kernels: generated wasm'],
  [/^packages\/tensor\/[^/]+\/backends\/cpu\//, 'kernels: CPU backend (TS kernels, wasm glue, threads)'],
  [/^packages\/tensor\/[^/]+\/(dispatch|prims|shape|dtype|errors)\./, 'tensor: dispatch, shape/dtype inference'],
  [/^packages\/tensor\/[^/]+\/(tensor|memory|gc-net)\./, 'tensor: Tensor objects, tidy, finalizer, GC net'],
  [/^packages\/tensor\/[^/]+\/ops\//, 'tensor: composites (ops/)'],
  [/^packages\/tensor\//, 'tensor: other'],
  [/^packages\/autograd\/[^/]+\/(tape|saved-versions)\./, 'autograd: tape, saved versions'],
  [/^packages\/autograd\/[^/]+\/(backward|cotangents)\./, 'autograd: backward engine, cotangents'],
  [/^packages\/autograd\/[^/]+\/rules\./, 'autograd: VJP rules'],
  [/^packages\/autograd\//, 'autograd: other'],
  [/^packages\/nn\/[^/]+\/optim\//, 'nn: optimizer'],
  [/^packages\/nn\//, 'nn: layers, loss'],
  [/^node:/, 'Node runtime (AsyncLocalStorage, ...)'],
  [/^bench\//, 'bench driver'],
];

/** The CPU backend's TS kernels compiled with `new Function` have no script URL. */
const GENERATED = new Set(['kernel', 'fold', 'scan']);

function partOf(url: string, functionName: string): string {
  if (url === '' && GENERATED.has(functionName)) return 'kernels: generated JS (new Function)';
  if (url === '') return `V8: ${functionName}`; // (garbage collector), (program), (idle), builtins
  const file = shortFile(url);
  return PARTS.find(([re]) => re.test(file))?.[1] ?? file;
}

/**
 * Primitives dispatched by one step, by phase: how many, how many were kernels (not views), and
 * the elements those kernels wrote (the memory traffic that does not depend on the machine's load).
 */
function countOps(parts: StepParts): Row[] {
  const counts: Record<string, Map<Prim, number>> = {};
  const written: Record<string, number> = {};
  let phase = 'forward';
  const remove = addObserver({
    onOp: (r) => {
      const m = (counts[phase] ??= new Map());
      m.set(r.prim, (m.get(r.prim) ?? 0) + 1);
      if (PRIMS[r.prim].kind !== 'view') written[phase] = (written[phase] ?? 0) + r.output.size;
    },
  });
  try {
    tidy(() => {
      const l = parts.loss();
      phase = 'backward';
      backward(l);
      phase = 'optimizer';
      parts.opt.step();
      parts.opt.zeroGrad();
    });
  } finally {
    remove();
  }
  return Object.entries(counts).map(([ph, m]) => {
    const all = [...m.values()].reduce((a, b) => a + b, 0);
    const views = [...m].filter(([p]) => PRIMS[p].kind === 'view').reduce((a, [, n]) => a + n, 0);
    const top = [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([p, n]) => `${p} ${n}`)
      .join(', ');
    const elements = written[ph] ?? 0;
    return { phase: ph, dispatches: all, kernels: all - views, 'elements written': elements, 'most frequent': top };
  });
}

/**
 * Time inside the CPU backend's `run` (the kernels, by primitive) and `alloc` (output storage:
 * zero-filled, or not where the kernel overwrites it all), over `steps` steps: the backend's
 * methods are wrapped for the measurement.
 */
async function timeKernels(parts: StepParts, steps: number): Promise<Row[]> {
  const backend = getBackend('cpu');
  if (!backend) return [];
  const { run, alloc } = backend;
  const spent = new Map<string, { ms: number; calls: number; elements: number }>();
  const charge = (key: string, ms: number, elements: number) => {
    const s = spent.get(key) ?? { ms: 0, calls: 0, elements: 0 };
    s.ms += ms;
    s.calls++;
    s.elements += elements;
    spent.set(key, s);
  };
  const b = backend as { run: typeof run; alloc: typeof alloc };
  b.run = (prim, inputs, out, attrs) => {
    const t0 = performance.now();
    run.call(backend, prim, inputs, out, attrs);
    charge(
      prim,
      performance.now() - t0,
      out.shape.reduce((a, d) => a * d, 1),
    );
  };
  b.alloc = (dtype, size, zeroed = true) => {
    const t0 = performance.now();
    const h = alloc.call(backend, dtype, size, zeroed);
    charge(zeroed ? '(alloc, zero-filled)' : '(alloc, not zeroed)', performance.now() - t0, size);
    return h;
  };
  try {
    await timePhases(parts, steps);
  } finally {
    b.run = run;
    b.alloc = alloc;
  }
  return [...spent]
    .sort((x, y) => y[1].ms - x[1].ms)
    .map(([k, s]) => ({
      'backend call': k,
      'ms / step': s.ms / steps,
      'calls / step': s.calls / steps,
      'µs / call': (1000 * s.ms) / s.calls,
      'elements / call': Math.round(s.elements / s.calls),
    }));
}

/** Milliseconds of each phase, median over `steps` steps (reading the loss back ends the step). */
async function timePhases(parts: StepParts, steps: number): Promise<Row> {
  const t: Record<string, number[]> = { forward: [], backward: [], 'optimizer + tidy end': [], step: [] };
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const [t1, t2, l] = tidy(() => {
      const l = parts.loss();
      const t1 = performance.now();
      backward(l);
      const t2 = performance.now();
      parts.opt.step();
      parts.opt.zeroGrad();
      return [t1, t2, l] as const;
    });
    const t3 = performance.now();
    await l.item();
    l.dispose();
    t.forward?.push(t1 - t0);
    t.backward?.push(t2 - t1);
    t['optimizer + tidy end']?.push(t3 - t2);
    t.step?.push(performance.now() - t0);
  }
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [`${k} ms`, median(v)]));
}

/** The inspector's `post` as a promise (node:inspector/promises has no types in @types/node 20.9). */
function post(session: Session, method: string, params: object = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params, (err: Error | null, result?: unknown) => (err ? reject(err) : resolve(result)));
  });
}

async function profileSteps(parts: StepParts, steps: number): Promise<CpuProfile> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 100 }); // microseconds
  await post(session, 'Profiler.start');
  for (let i = 0; i < steps; i++) {
    const l = tidy(() => {
      const l = parts.loss();
      backward(l);
      parts.opt.step();
      parts.opt.zeroGrad();
      return l;
    });
    await l.item();
    l.dispose();
  }
  const { profile } = (await post(session, 'Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  return profile;
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const shareRows = (xs: { key: string; ms: number; share: number }[], label: string, steps: number): Row[] =>
  xs.map((x) => ({ [label]: x.key, 'ms / step': x.ms / steps, share: `${(100 * x.share).toFixed(1)}%` }));

export async function main(args: string[]): Promise<void> {
  const only = arg(args, '--only');
  const steps = Number(arg(args, '--steps') ?? 20);
  const top = Number(arg(args, '--top') ?? 25);
  await cpuThreadsReady();
  const setup = `webgrad CPU kernels: ${getCpuKernels()}, threads: ${getCpuThreads()}; ${steps} profiled steps after 3 warm-up steps`;
  console.log(setup);
  const sections: string[] = [setup];
  for (const w of WORKLOADS.filter((w) => !only || w.key === only)) {
    const parts = w.make();
    await timePhases(parts, 3); // warm-up: JIT, kernel caches, optimizer state
    const phases = [await timePhases(parts, Math.max(5, Math.min(steps, 10)))];
    const ops = countOps(parts);
    const kernels = await timeKernels(parts, Math.max(5, Math.min(steps, 10)));
    const profile = await profileSteps(parts, steps);
    if (args.includes('--save'))
      writeFileSync(join(resultsDir(), `profile-${w.key}.cpuprofile`), JSON.stringify(profile));
    const byPart = shareRows(
      selfTimeBy(profile, (f) => partOf(f.url, f.functionName)),
      'part',
      steps,
    );
    const byFunction = shareRows(selfTimeBy(profile, functionKey).slice(0, top), 'function (self time)', steps);
    printTable(phases, `${w.name}: phases (median)`);
    printTable(ops, `${w.name}: dispatches per step`);
    printTable(kernels, `${w.name}: time in the CPU backend by primitive`);
    printTable(byPart, `${w.name}: self time by part`);
    printTable(byFunction, `${w.name}: top ${top} functions by self time`);
    sections.push(
      `## ${w.name}\n\n${markdownTable(phases)}\n\nDispatches per step:\n\n${markdownTable(ops)}\n\n` +
        `Time in the CPU backend by primitive:\n\n${markdownTable(kernels)}\n\n` +
        `Self time by part:\n\n${markdownTable(byPart)}\n\nTop ${top} functions by self time:\n\n${markdownTable(byFunction)}`,
    );
  }
  const path = writeResult('profile', sections.join('\n\n'), 'Where a training step spends its time (CPU)');
  console.log(`\nwritten to ${path}`);
}
