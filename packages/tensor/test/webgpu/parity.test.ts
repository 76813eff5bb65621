/**
 * WebGPU vs CPU parity over every op-spec row: random cases (random layouts: contiguous,
 * transposed, sliced with offset and step) materialised on WebGPU in float32 and compared with
 * the CPU's float64 result within the row's float32 tolerance. Exact rows (ints, bools, argmax)
 * are compared exactly with the CPU given the same float32 inputs.
 *
 * numRuns: 6 per row by default (every new rank or layout compiles a pipeline, which is slow on
 * lavapipe); FC_NUM_RUNS=100 searches harder.
 */
import { type Device, type DType, type Tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, it } from 'vitest';
import { assertClose, F32_TOL, numRuns } from '../spec/compare.js';
import { materializeAll, toRef } from '../spec/materialize.js';
import type { OpCase, OpSpec, Ref } from '../spec/op-spec.js';
import { OP_SPECS } from '../spec/op-specs.js';
import { hasWebGPU } from './setup.js';

const RUNS = numRuns(6);

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

// Skipped only when setup found no adapter outside CI (it printed why); under CI=true setup throws.
describe.skipIf(!hasWebGPU())('op-spec rows on WebGPU match the CPU', () => {
  for (const row of OP_SPECS) {
    it(row.name, async () => {
      await fc.assert(
        fc.asyncProperty(row.cases, async (c) => {
          const gpu = await runOn(row, c, 'webgpu', 'float32');
          const cpu = await runOn(row, c, 'cpu', row.exact ? 'float32' : 'float64');
          assertClose(gpu, cpu, row.exact ? 'exact' : (row.f32 ?? F32_TOL), `${row.name} webgpu vs cpu`);
        }),
        { numRuns: RUNS },
      );
    });
  }
});
