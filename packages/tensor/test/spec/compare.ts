/**
 * Comparing a result `Ref` with a reference `Ref`: shapes exactly, values exactly or within
 * |a - e| <= atol + rtol |e|. NaN matches NaN, an infinity matches the same infinity, -0 matches 0.
 */
import type { Ref, Tolerance } from './op-spec.js';

/** float32 results against the float64 reference, unless a row says otherwise. */
export const F32_TOL: Tolerance = { atol: 1e-5, rtol: 1e-4 };
/** float64 results against the float64 reference: only reassociation differences remain. */
export const F64_TOL: Tolerance = { atol: 1e-10, rtol: 1e-9 };

function close(a: number, e: number, tol: Tolerance | 'exact'): boolean {
  if (Number.isNaN(a) || Number.isNaN(e)) return Number.isNaN(a) && Number.isNaN(e);
  if (a === e) return true;
  if (tol === 'exact' || !Number.isFinite(e)) return false;
  return Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
}

/** A description of the first mismatch, or undefined when `actual` matches `expected`. */
export function mismatch(actual: Ref, expected: Ref, tol: Tolerance | 'exact'): string | undefined {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return `shape [${actual.shape.join(', ')}], expected [${expected.shape.join(', ')}]`;
  }
  if (actual.data.length !== expected.data.length) {
    return `${actual.data.length} values, expected ${expected.data.length}`;
  }
  for (let i = 0; i < actual.data.length; i++) {
    const [a, e] = [actual.data[i] as number, expected.data[i] as number];
    if (!close(a, e, tol)) {
      const how = tol === 'exact' ? 'exactly' : `within atol ${tol.atol}, rtol ${tol.rtol}`;
      return `element ${i} is ${a}, expected ${e} (${how}); got [${actual.data.slice(0, 16).join(', ')}${actual.data.length > 16 ? ', ...' : ''}]`;
    }
  }
  return undefined;
}

/** Throws (failing the property) when `actual` does not match `expected`. */
export function assertClose(actual: Ref, expected: Ref, tol: Tolerance | 'exact', context: string): void {
  const m = mismatch(actual, expected, tol);
  if (m !== undefined) throw new Error(`${context}: ${m}`);
}

/** Runs per property, from env FC_NUM_RUNS when set (to search harder), else `fallback`. */
export function numRuns(fallback: number): number {
  const env = Number(process.env.FC_NUM_RUNS);
  return Number.isInteger(env) && env > 0 ? env : fallback;
}
