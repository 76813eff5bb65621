/**
 * Every op-spec row on the CPU, in float64 and float32, against its naive float64 reference,
 * with operands in random layouts (contiguous, transposed, sliced with offset and step).
 * Rows without float operands (int32, bool) run once and compare exactly.
 *
 * numRuns: 40 per row by default (71 rows x 2 dtypes: about 3 s here); raise it with
 * FC_NUM_RUNS=500 when hunting.
 */
import { type DType, type Tensor, tidy } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertClose, F32_TOL, F64_TOL, numRuns } from './spec/compare.js';
import { hasFloatOperand, materializeAll, refInputs, toRef } from './spec/materialize.js';
import { OP_SPECS } from './spec/op-specs.js';

const RUNS = numRuns(40);

describe('op-spec rows on the CPU match their references', () => {
  it('has unique row names', () => {
    expect(new Set(OP_SPECS.map((r) => r.name)).size).toBe(OP_SPECS.length);
  });

  for (const row of OP_SPECS) {
    it(row.name, async () => {
      await fc.assert(
        fc.asyncProperty(row.cases, async (c) => {
          const dtypes: DType[] = hasFloatOperand(c) ? ['float64', 'float32'] : ['float32'];
          for (const dtype of dtypes) {
            const inputs = materializeAll(c, { dtype, device: 'cpu' });
            let out: Tensor | undefined;
            try {
              out = tidy(() => row.apply(inputs, c.params));
              // Float ops keep the float dtype they were given.
              if (!row.exact) expect(out.dtype).toBe(dtype);
              const actual = await toRef(out);
              const tol = row.exact ? 'exact' : dtype === 'float64' ? F64_TOL : (row.f32 ?? F32_TOL);
              assertClose(actual, row.reference(refInputs(c, dtype), c.params), tol, `${row.name} ${dtype}`);
            } finally {
              out?.dispose();
              for (const t of inputs) t.dispose();
            }
          }
        }),
        { numRuns: RUNS },
      );
    });
  }
});
