/**
 * Timing helpers shared by every benchmark: warm up, repeat, report the median (robust to the
 * noise of a shared 2-core machine) and the minimum (the least-disturbed run).
 */

export interface TimeitOptions {
  /** Untimed calls first, so the JIT (or a GPU pipeline cache) is warm. Default 2. */
  warmup?: number;
  /** Timed calls. Default 5. */
  reps?: number;
  /** Stop adding reps once this many milliseconds have been spent timing (after `minReps`). */
  budgetMs?: number;
  /** Reps always run, even past the budget. Default 3. */
  minReps?: number;
  /** compareTimes: keep warming each implementation until this many milliseconds went into it. Default 0. */
  warmupMs?: number;
  /**
   * compareTimes: one sample repeats the call until this many milliseconds have passed and
   * records the mean per call (as timeit's `number`), so a sample is a short steady run rather
   * than one call right after another library ran. Default 0 (one call per sample).
   */
  minSampleMs?: number;
}

export interface Timing {
  /** Median milliseconds per call. */
  median: number;
  /** Fastest call in milliseconds. */
  min: number;
  /** Every timed call, in milliseconds, in the order they ran. */
  samples: number[];
}

/** The median of `xs` (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Times `fn` (sync or async; an async fn is awaited, so it should include its own readback).
 * @example
 *   const { median } = await timeit(() => a.matmul(b).dispose(), { warmup: 2, reps: 7 });
 */
export async function timeit(fn: () => unknown, opts: TimeitOptions = {}): Promise<Timing> {
  const { warmup = 2, reps = 5, budgetMs = Number.POSITIVE_INFINITY, minReps = 3 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  let spent = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    const dt = performance.now() - t0;
    samples.push(dt);
    spent += dt;
    if (i + 1 >= minReps && spent > budgetMs) break;
  }
  return { median: median(samples), min: Math.min(...samples), samples };
}

/** GFLOP/s of `flops` floating-point operations done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}

/**
 * Times several implementations of the same work interleaved (round r runs each once, in a
 * rotated order), so a burst of load from other processes hits all of them alike; ratios of the
 * returned medians are then fair comparisons within one run. Entries whose setup returned
 * `undefined` are skipped (a peer that is not available here).
 * @example
 *   const t = await compareTimes({ ours: () => f(), peer: () => g() }, { warmup: 1, reps: 7 });
 *   t.ours.median / t.peer.median
 */
export async function compareTimes<K extends string>(
  fns: Record<K, (() => unknown) | undefined>,
  opts: TimeitOptions = {},
): Promise<Partial<Record<K, Timing>>> {
  const { warmup = 2, reps = 5, budgetMs = Number.POSITIVE_INFINITY, minReps = 3 } = opts;
  const { warmupMs = 0, minSampleMs = 0 } = opts;
  const names = (Object.keys(fns) as K[]).filter((k) => fns[k] !== undefined);
  const samples = new Map<K, number[]>(names.map((k) => [k, []]));
  for (const k of names) {
    const t0 = performance.now();
    for (let w = 0; w < warmup || performance.now() - t0 < warmupMs; w++) await (fns[k] as () => unknown)();
  }
  let spent = 0;
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < names.length; i++) {
      const k = names[(i + r) % names.length] as K;
      const t0 = performance.now();
      let calls = 0;
      do {
        await (fns[k] as () => unknown)();
        calls++;
      } while (performance.now() - t0 < minSampleMs);
      const dt = performance.now() - t0;
      samples.get(k)?.push(dt / calls);
      spent += dt;
    }
    if (r + 1 >= minReps && spent > budgetMs) break;
  }
  const out: Partial<Record<K, Timing>> = {};
  for (const k of names) {
    const s = samples.get(k) as number[];
    out[k] = { median: median(s), min: Math.min(...s), samples: s };
  }
  return out;
}
