/**
 * Every op-spec row through both CPU kernel sets, float64 and float32, operands in random layouts
 * (contiguous, transposed, sliced, reversed): the wasm set must agree with the readable TS set
 * (and both with the row's reference, checked in ops.property.test.ts). Operands are made while
 * their set is active, so wasm runs see heap storage and TS runs plain arrays. Exact rows (ints,
 * bools, argmax) must agree exactly; float rows within the row's tolerances (float32 matmuls
 * accumulate differently: f32x4 in wasm, float64 in TS).
 */
import { type CpuKernelSet, type DType, getCpuKernels, setCpuKernels, type Tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { wasmKernelsAvailable } from '../../src/backends/cpu/wasm/settings.js';
import { assertClose, F32_TOL, F64_TOL, numRuns } from '../spec/compare.js';
import { hasFloatOperand, materializeAll, toRef } from '../spec/materialize.js';
import type { OpCase, OpSpec, Ref } from '../spec/op-spec.js';
import { OP_SPECS } from '../spec/op-specs.js';

const RUNS = numRuns(25);
const initial = getCpuKernels();
afterAll(() => setCpuKernels(initial));

async function runUnder(set: CpuKernelSet, row: OpSpec, c: OpCase, dtype: DType): Promise<Ref> {
  setCpuKernels(set);
  const inputs = materializeAll(c, { dtype, device: 'cpu' });
  let out: Tensor | undefined;
  try {
    out = tidy(() => row.apply(inputs, c.params));
    return await toRef(out);
  } finally {
    out?.dispose();
    for (const t of inputs) t.dispose();
  }
}

describe.runIf(wasmKernelsAvailable())('wasm kernels agree with the TS kernels on every op-spec row', () => {
  for (const row of OP_SPECS) {
    it(row.name, async () => {
      await fc.assert(
        fc.asyncProperty(row.cases, async (c) => {
          const dtypes: DType[] = hasFloatOperand(c) ? ['float64', 'float32'] : ['float32'];
          for (const dtype of dtypes) {
            const ts = await runUnder('ts', row, c, dtype);
            const wasm = await runUnder('wasm', row, c, dtype);
            const tol = row.exact ? 'exact' : dtype === 'float64' ? F64_TOL : (row.f32 ?? F32_TOL);
            assertClose(wasm, ts, tol, `${row.name} ${dtype}: wasm vs ts`);
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});
