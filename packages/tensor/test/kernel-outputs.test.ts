/**
 * Kernel outputs without the zero fill (src/kernel-outputs.ts): which allocations skip it, that
 * the poison of the test mode really reaches those kernels, and that everything else (user-facing
 * constructors, primitives that rely on zeros, empty operands) still starts from zeros even when
 * the pools hold dirty arrays of the same size.
 */
import {
  type Backend,
  getBackend,
  getCpuKernels,
  PRIMS,
  setCpuKernels,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from '@webgrad/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { poisonOutputs, setPoisonOutputs } from '../src/backends/cpu/poison.js';
import { wasmKernelsAvailable } from '../src/backends/cpu/wasm/settings.js';
import { KERNEL_OUTPUT_START, outputNeedsZeros } from '../src/kernel-outputs.js';

const cpu = getBackend('cpu') as Backend;
const wasPoisoning = poisonOutputs();
const initialKernels = getCpuKernels();
beforeAll(() => setPoisonOutputs(true));
afterAll(() => {
  setPoisonOutputs(wasPoisoning);
  setCpuKernels(initialKernels);
});

/** Frees a few arrays of `size` elements after writing 7 into them, so the pools hand back dirty ones. */
function dirtyPools(size: number): void {
  for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
    const arrays = [0, 1, 2].map(() => cpu.alloc(dtype, size) as Float32Array);
    for (const a of arrays) {
      a.fill(7);
      cpu.free(a, dtype, size);
    }
  }
}

/** The `out` each kernel call of `body` received, copied before the kernel ran. */
function outputsSeen(body: () => void): { prim: string; before: number[] }[] {
  const seen: { prim: string; before: number[] }[] = [];
  const run = cpu.run;
  cpu.run = (prim, inputs, out, attrs) => {
    seen.push({ prim, before: Array.from(out.handle as Float32Array) });
    run.call(cpu, prim, inputs, out, attrs);
  };
  try {
    tidy(body);
  } finally {
    cpu.run = run;
  }
  return seen;
}

const read = (t: Tensor) => Array.from(t.dataSync());

const sets = wasmKernelsAvailable() ? (['ts', 'wasm'] as const) : (['ts'] as const);

describe('the kernel output table', () => {
  it('has one row per kernel primitive, and only those', () => {
    const kernelPrims = Object.entries(PRIMS)
      .filter(([, p]) => p.kind !== 'view')
      .map(([name]) => name)
      .sort();
    expect(Object.keys(KERNEL_OUTPUT_START).sort()).toEqual(kernelPrims);
  });

  it('asks for zeros where a primitive relies on them or an operand is empty', () => {
    const x = { size: 6 };
    expect(outputNeedsZeros('add', [x, x])).toBe(false);
    expect(outputNeedsZeros('pad', [x])).toBe(true);
    expect(outputNeedsZeros('scatterAdd', [x, x, x])).toBe(true);
    expect(outputNeedsZeros('matmul', [x, { size: 0 }])).toBe(true);
    expect(outputNeedsZeros('sum', [{ size: 0 }])).toBe(true);
  });
});

for (const set of sets) {
  describe(`CPU allocations under the ${set} kernels`, () => {
    beforeAll(() => setCpuKernels(set));

    // 12 elements stay in ordinary arrays; 4096 go to the wasm heap under the wasm set.
    for (const size of [12, 4096]) {
      it(`alloc(${size}) is zero-filled by default and poisoned when not zeroed, reused or fresh`, () => {
        dirtyPools(size);
        for (const round of [0, 1, 2, 3]) {
          const zeroed = cpu.alloc('float32', size) as Float32Array;
          expect(zeroed.every((v) => v === 0)).toBe(true);
          const f = cpu.alloc('float64', size, false) as Float64Array;
          const i = cpu.alloc('int32', size, false) as Int32Array;
          const b = cpu.alloc('bool', size, false) as Uint8Array;
          expect(f.every(Number.isNaN), `round ${round}`).toBe(true);
          expect(i.every((v) => v === (0xdeadbeef | 0))).toBe(true);
          expect(b.every((v) => v === 0xa5)).toBe(true);
          for (const [a, d] of [
            [zeroed, 'float32'],
            [f, 'float64'],
            [i, 'int32'],
            [b, 'bool'],
          ] as const)
            cpu.free(a, d, size);
        }
      });

      it(`kernels that overwrite get a poisoned out (${size} elements); zeros() stays zero`, () => {
        dirtyPools(size);
        const seen = outputsSeen(() => {
          const x = zeros([size]);
          expect(read(x).every((v) => v === 0)).toBe(true);
          const y = x.add(1).exp();
          expect(read(y).every((v) => Math.abs(v - Math.E) < 1e-6)).toBe(true);
        });
        expect(seen.map((s) => s.prim)).toEqual(['add', 'exp']);
        for (const s of seen) expect(s.before.every(Number.isNaN), s.prim).toBe(true);
      });

      it(`primitives that rely on zeros still get them (${size} elements)`, () => {
        dirtyPools(size);
        dirtyPools(size + 4);
        tidy(() => {
          const x = tensor(Array.from({ length: size }, (_, k) => k + 1));
          // pad with 0 writes only the interior: the border must come from the zero fill.
          const padded = read(x.pad([[2, 2]]));
          expect(padded.slice(0, 2)).toEqual([0, 0]);
          expect(padded.slice(-2)).toEqual([0, 0]);
          expect(padded.slice(2, -2)).toEqual(read(x));
        });
      });
    }

    it('results of empty operands are their identities, not poison', () => {
      dirtyPools(12);
      tidy(() => {
        expect(read(zeros([3, 0]).sum(1))).toEqual([0, 0, 0]);
        expect(read(zeros([3, 0]).matmul(zeros([0, 4])))).toEqual(new Array(12).fill(0));
        expect(read(zeros([3, 0]).prod(1))).toEqual([1, 1, 1]);
      });
    });
  });
}
