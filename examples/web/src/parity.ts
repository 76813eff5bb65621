/**
 * A slice of the op-spec parity suite, run inside the page: the same rows as
 * packages/tensor/test/ops.property.test.ts (CPU against the naive float64 references) and
 * packages/tensor/test/webgpu/parity.test.ts (WebGPU float32 against the CPU), with a few seeded
 * cases per row instead of fast-check's shrinking search. The rows and references are bundled
 * from packages/tensor/test/spec/, so the browser checks exactly what the Node suites check.
 */
import { type Device, type DType, type Tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { F32_TOL, F64_TOL, mismatch } from '../../../packages/tensor/test/spec/compare.js';
import { hasFloatOperand, materializeAll, refInputs, toRef } from '../../../packages/tensor/test/spec/materialize.js';
import type { OpCase, OpSpec, Ref } from '../../../packages/tensor/test/spec/op-spec.js';
import { OP_SPECS } from '../../../packages/tensor/test/spec/op-specs.js';

export interface RowResult {
  name: string;
  cases: number;
  /** The first mismatch or error, if any. */
  failure?: string;
}

export interface ParityReport {
  /** 'cpu' (CPU vs references, float64 and float32) or 'webgpu' (WebGPU float32 vs CPU). */
  check: 'cpu' | 'webgpu';
  rows: RowResult[];
  passed: number;
  failed: number;
  ms: number;
}

async function runOn(row: OpSpec, c: OpCase, device: Device, dtype: DType): Promise<Ref> {
  const inputs = materializeAll(c, { dtype, device });
  let out: Tensor | undefined;
  try {
    out = tidy(() => row.apply(inputs, c.params));
    return await toRef(out);
  } finally {
    out?.dispose();
    for (const t of inputs) t.dispose();
  }
}

/** CPU result against the row's reference, in float64 and float32 (as ops.property.test.ts). */
async function checkCpu(row: OpSpec, c: OpCase): Promise<string | undefined> {
  const dtypes: DType[] = hasFloatOperand(c) ? ['float64', 'float32'] : ['float32'];
  for (const dtype of dtypes) {
    const actual = await runOn(row, c, 'cpu', dtype);
    const tol = row.exact ? 'exact' : dtype === 'float64' ? F64_TOL : (row.f32 ?? F32_TOL);
    const m = mismatch(actual, row.reference(refInputs(c, dtype), c.params), tol);
    if (m) return `${dtype}: ${m}`;
  }
  return undefined;
}

/** WebGPU float32 against the CPU (as webgpu/parity.test.ts). */
async function checkWebGpu(row: OpSpec, c: OpCase): Promise<string | undefined> {
  const gpu = await runOn(row, c, 'webgpu', 'float32');
  const cpu = await runOn(row, c, 'cpu', row.exact ? 'float32' : 'float64');
  return mismatch(gpu, cpu, row.exact ? 'exact' : (row.f32 ?? F32_TOL));
}

/**
 * Runs `casesPerRow` seeded cases of every op-spec row.
 * @example const report = await runParity('cpu', 4);
 */
export async function runParity(
  check: 'cpu' | 'webgpu',
  casesPerRow: number,
  onRow?: (r: RowResult) => void,
): Promise<ParityReport> {
  const start = performance.now();
  const rows: RowResult[] = [];
  for (const [i, row] of OP_SPECS.entries()) {
    const cases = fc.sample(row.cases, { seed: 1000 + i, numRuns: casesPerRow });
    const result: RowResult = { name: row.name, cases: cases.length };
    for (const c of cases) {
      try {
        const failure = check === 'cpu' ? await checkCpu(row, c) : await checkWebGpu(row, c);
        if (failure) result.failure = failure;
      } catch (e) {
        result.failure = `threw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`;
      }
      if (result.failure) break;
    }
    rows.push(result);
    onRow?.(result);
  }
  const failed = rows.filter((r) => r.failure).length;
  return { check, rows, passed: rows.length - failed, failed, ms: performance.now() - start };
}
