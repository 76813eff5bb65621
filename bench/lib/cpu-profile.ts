/**
 * Reading a V8 CPU profile (the `.cpuprofile` JSON of `node --cpu-prof` or of the inspector's
 * Profiler): self time per function and per part of the code base. A sample's time belongs to
 * the function on top of the stack when it was taken, so "self time" is where the thread was,
 * not what it was doing on behalf of whom (see `inclusive` for that).
 */

export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Node ids at or below a frame of node:inspector: the profiler's own start and stop. */
function profilerNodes(p: CpuProfile): Set<number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const out = new Set<number>();
  const mark = (id: number, inside: boolean) => {
    const n = byId.get(id);
    if (!n) return;
    const here = inside || n.callFrame.url === 'node:inspector';
    if (here) out.add(id);
    for (const c of n.children ?? []) mark(c, here);
  };
  mark(p.nodes[0]?.id ?? 1, false);
  return out;
}

/** Microseconds of self time per profile node id, the profiler's own work left out. */
function selfTimes(p: CpuProfile): Map<number, number> {
  const skip = profilerNodes(p);
  const self = new Map<number, number>();
  // timeDeltas[i] is the time since the previous sample: charge it to sample i's node.
  p.samples.forEach((id, i) => {
    if (!skip.has(id)) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  });
  return self;
}

/**
 * A file's place in the code base: `packages/tensor/dist/dispatch.js` (the built file that ran;
 * its source is the same name under src/ with .ts), `npm:@jax-js/jax`, `node:internal/...`, `wasm`.
 */
export function shortFile(url: string): string {
  if (url === '') return '';
  if (url.startsWith('wasm://')) return 'wasm';
  const m = url.match(/(packages\/[^/]+\/(?:dist|src)\/.*)$/);
  if (m) return m[1] as string;
  const nm = url.match(/node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/);
  if (nm) return `npm:${nm[1]}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\/.*?\/(bench|examples)\//, '$1/');
}

/** Sums self time by `key(frame)`, largest first, in milliseconds with their share of the total. */
export function selfTimeBy(p: CpuProfile, key: (f: CallFrame) => string): { key: string; ms: number; share: number }[] {
  const self = selfTimes(p);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const sums = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const k = key(n.callFrame);
    sums.set(k, (sums.get(k) ?? 0) + us);
    total += us;
  }
  return [...sums].map(([k, us]) => ({ key: k, ms: us / 1000, share: us / total })).sort((a, b) => b.ms - a.ms);
}

/** A function's name with its file and line, e.g. `dispatch (packages/tensor/dist/dispatch.js:96)`. */
export function functionKey(f: CallFrame): string {
  const file = shortFile(f.url);
  const name = f.functionName || '(anonymous)';
  return file ? `${name} (${file}:${f.lineNumber + 1})` : name;
}
