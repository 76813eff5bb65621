/**
 * Two threads agree with one bit for bit on the wasm matmul (work is split by whole batch items
 * or by rows, so every element is computed the same way), and the workers really ran shares.
 * Shapes are above THREAD_MIN_MACS (4M multiply-adds), below which products stay on one thread.
 */
import {
  cpuThreadsReady,
  type DType,
  getCpuKernels,
  getCpuThreads,
  randn,
  setCpuThreads,
  type Tensor,
} from '@webgrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { splitWork } from '../../src/backends/cpu/wasm/matmul.js';
import { MR } from '../../src/backends/cpu/wasm/matmul-kernel.js';
import { workerSharesRun } from '../../src/backends/cpu/wasm/runtime.js';

const initial = getCpuThreads();
afterAll(() => setCpuThreads(initial));

function product(threads: number, a: Tensor, b: Tensor): Float32Array | Float64Array {
  setCpuThreads(threads);
  const c = a.matmul(b);
  const data = c.dataSync() as Float32Array | Float64Array;
  c.dispose();
  return data;
}

describe('splitWork', () => {
  it('covers every batch and row exactly once, rows in multiples of the micro-kernel height MR', () => {
    for (const [batches, M, threads] of [
      [1, 130, 2],
      [1, 5, 3],
      [3, 64, 2],
      [1, 1000, 4],
      [7, 9, 1],
    ] as const) {
      const shares = splitWork(batches, M, threads);
      const seen = new Array(batches * M).fill(0);
      for (const s of shares) {
        expect(s.r0 % MR).toBe(0);
        for (let b = s.b0; b < s.b1; b++) for (let r = s.r0; r < s.r1; r++) seen[b * M + r]++;
      }
      expect(seen.every((n) => n === 1)).toBe(true);
      expect(shares.length).toBeLessThanOrEqual(threads);
    }
  });
});

describe.runIf(getCpuKernels() === 'wasm')('wasm matmul on 1 and 2 threads', () => {
  const cases: [string, number[], number[], DType][] = [
    ['rows split, float32', [130, 600], [600, 70], 'float32'],
    ['rows split, float64, transposed B', [97, 500], [90, 500], 'float64'],
    ['batch split, float32', [3, 64, 160], [3, 160, 150], 'float32'],
  ];
  for (const [name, sa, sb, dtype] of cases) {
    it(`${name} agree bit for bit`, async () => {
      const a = randn(sa, { seed: 3, dtype });
      const b0 = randn(sb, { seed: 4, dtype });
      const b = name.includes('transposed') ? b0.transpose() : b0;
      setCpuThreads(2);
      await cpuThreadsReady();
      const before = workerSharesRun();
      const two = product(2, a, b);
      expect(workerSharesRun()).toBeGreaterThan(before);
      const one = product(1, a, b);
      expect(new Uint8Array(two.buffer)).toEqual(new Uint8Array(one.buffer));
      for (const t of [a, b0, b]) t.dispose();
    });
  }
});
