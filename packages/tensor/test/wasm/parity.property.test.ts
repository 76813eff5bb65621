/**
 * Every op-spec row through both CPU kernel sets, float64 and float32, operands in random layouts
 * (contiguous, transposed, sliced, reversed): the wasm set must agree with the readable TS set
 * (and both with the row's reference, checked in ops.property.test.ts). Operands are made while
 * their set is active, so wasm runs see heap storage and TS runs plain arrays. Exact rows (ints,
 * bools, argmax) must agree exactly; float rows within the row's tolerances (float32 matmuls
 * accumulate differently: f32x4 in wasm, float64 in TS).
 *
 * The op-spec cases are small (64 elements at most), below the size where the wasm set calls its
 * elementwise and reduction kernels (WASM_MIN_ELEMENTS); a second block therefore tiles each case
 * of the single-operand elementwise and reduction rows to 1024+ elements (every dim repeated
 * the same number of times, so axis parameters keep their meaning) and compares the sets again.
 */
import { type CpuKernelSet, type DType, getCpuKernels, setCpuKernels, type Tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { WASM_MIN_ELEMENTS } from '../../src/backends/cpu/wasm/elementwise.js';
import { wasmKernelsAvailable } from '../../src/backends/cpu/wasm/settings.js';
import { assertClose, F32_TOL, F64_TOL, numRuns } from '../spec/compare.js';
import { hasFloatOperand, materializeAll, toRef } from '../spec/materialize.js';
import type { OpCase, Operand, OpSpec, Ref } from '../spec/op-spec.js';
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

/** Rows with one float operand whose parameters name axes only, so tiling keeps them valid. */
const TILED_ROWS = [
  ...['neg', 'exp', 'log', 'sqrt', 'abs', 'sin', 'cos', 'tanh', 'erf', 'sigmoid', 'relu', 'gelu(erf)'],
  ...['gelu(tanh)', 'softplus', 'silu', 'square', 'reciprocal', 'rsqrt'],
  ...['sum', 'mean', 'max', 'min', 'logsumexp', 'var', 'softmax', 'logSoftmax'],
];

/** `op` with every dim repeated `times` times (x'[i, j, ..] = x[i mod d0, j mod d1, ..]). */
function tile(op: Operand, times: number): Operand {
  const shape = op.shape.map((d) => d * times);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Array<number>(size);
  for (let flat = 0; flat < size; flat++) {
    let [rest, src, stride] = [flat, 0, 1];
    for (let a = shape.length - 1; a >= 0; a--) {
      const d = op.shape[a] as number;
      src += ((rest % (shape[a] as number)) % d) * stride;
      rest = Math.floor(rest / (shape[a] as number));
      stride *= d;
    }
    data[flat] = op.data[src] as number;
  }
  return { ...op, shape, data };
}

/** The case with its operand tiled to at least WASM_MIN_ELEMENTS elements. */
function tiled(c: OpCase): OpCase {
  const op = c.inputs[0] as Operand;
  const size = op.shape.reduce((a, b) => a * b, 1);
  const times = Math.ceil((WASM_MIN_ELEMENTS / size) ** (1 / op.shape.length));
  return { ...c, inputs: [tile(op, times)] };
}

describe.runIf(wasmKernelsAvailable())('wasm kernels agree with the TS kernels on tiled (1024+ element) cases', () => {
  for (const name of TILED_ROWS) {
    const row = OP_SPECS.find((r) => r.name === name);
    it(name, async () => {
      expect(row, `op-spec row ${name}`).toBeDefined();
      if (!row) return;
      const cases = row.cases
        .filter((c) => c.inputs.length === 1 && (c.inputs[0] as Operand).shape.reduce((a, b) => a * b, 1) > 0)
        .filter((c) => (c.inputs[0] as Operand).shape.length > 0)
        .map(tiled);
      await fc.assert(
        fc.asyncProperty(cases, async (c) => {
          for (const dtype of ['float64', 'float32'] as const) {
            const ts = await runUnder('ts', row, c, dtype);
            const wasm = await runUnder('wasm', row, c, dtype);
            const tol = dtype === 'float64' ? F64_TOL : (row.f32 ?? F32_TOL);
            assertClose(
              wasm,
              ts,
              tol,
              `${row.name} ${dtype} ${c.inputs[0]?.layout} [${c.inputs[0]?.shape}]: wasm vs ts`,
            );
          }
        }),
        { numRuns: numRuns(10) },
      );
    });
  }
});
