/**
 * Two threads agree with one bit for bit on the wasm matmul (work is split by whole batch items
 * or by rows, so every element is computed the same way), and the workers really ran chunks.
 * Shapes are above THREAD_MIN_MACS (512k multiply-adds), below which products stay on one thread.
 */
import {
  cpuThreadsReady,
  cpuWorkerChunks,
  type DType,
  getCpuKernels,
  getCpuThreads,
  randn,
  setCpuThreads,
  type Tensor,
} from '@webgrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { planBlocks, planChunks } from '../../src/backends/cpu/wasm/matmul.js';
import { MR } from '../../src/backends/cpu/wasm/matmul-kernel.js';

const initial = getCpuThreads();
afterAll(() => setCpuThreads(initial));

/**
 * The product must also be right, not only the same on every thread count: within the float32
 * accumulation bound gamma_(K+1) * sum |a||b| (Higham 3.1) of a float64 reference, computed here
 * with plain loops.
 */
function expectRight(got: Float32Array | Float64Array, a: Tensor, b: Tensor): void {
  const [A, B] = [a.arraySync() as number[][][] | number[][], b.arraySync() as number[][][] | number[][]];
  const items = (a.shape.length === 3 ? A : [A]) as number[][][];
  const bItems = (b.shape.length === 3 ? B : [B]) as number[][][];
  const K = a.shape[a.shape.length - 1] as number;
  const gamma = ((K + 1) * 2 ** -24) / (1 - (K + 1) * 2 ** -24);
  let n = 0;
  items.forEach((rows, item) => {
    const bm = bItems[item] as number[][];
    for (const row of rows) {
      for (let j = 0; j < (bm[0] as number[]).length; j++, n++) {
        let [sum, mag] = [0, 0];
        for (let k = 0; k < K; k++) {
          const p = (row[k] as number) * ((bm[k] as number[])[j] as number);
          sum += p;
          mag += Math.abs(p);
        }
        if (!(Math.abs((got[n] as number) - sum) <= gamma * mag)) {
          expect.fail(`element ${n}: got ${got[n]}, want ${sum} (tol ${gamma * mag})`);
        }
      }
    }
  });
  expect(n).toBe(got.length);
}

function product(threads: number, a: Tensor, b: Tensor): Float32Array | Float64Array {
  setCpuThreads(threads);
  const c = a.matmul(b);
  const data = c.dataSync() as Float32Array | Float64Array;
  c.dispose();
  return data;
}

describe('planChunks', () => {
  it('cuts items into whole units that cover every item exactly once', () => {
    for (const [count, unit, threads] of [
      [130, MR, 2],
      [5, MR, 3],
      [3, 1, 2],
      [1000, MR, 4],
      [7, 1, 1],
      [32, 1, 2],
    ] as const) {
      const [grain, chunks] = planChunks(count, unit, threads);
      expect(grain % unit).toBe(0);
      expect(grain).toBeGreaterThan(0);
      expect((chunks - 1) * grain).toBeLessThan(count);
      expect(chunks * grain).toBeGreaterThanOrEqual(count);
    }
  });
});

describe('planBlocks', () => {
  it('tiles C with blocks of whole MR rows and NR-column panels, covering each element once', () => {
    for (const [M, N, nr, threads] of [
      [128, 256, 8, 2],
      [32, 128, 8, 2],
      [1024, 13, 8, 4],
      [7, 9, 4, 2],
      [784, 256, 4, 2],
    ] as const) {
      const { rowGrain, rowChunks, colGrain, colChunks } = planBlocks(M, N, nr, threads);
      expect(rowGrain % MR).toBe(0);
      expect(colGrain % nr).toBe(0);
      const seen = new Array(M * N).fill(0);
      for (let c = 0; c < rowChunks * colChunks; c++) {
        const [r, j] = [c % rowChunks, Math.floor(c / rowChunks)];
        for (let i = r * rowGrain; i < Math.min(M, (r + 1) * rowGrain); i++)
          for (let k = j * colGrain; k < Math.min(N, (j + 1) * colGrain); k++) seen[i * N + k]++;
      }
      expect(seen.every((n) => n === 1)).toBe(true);
    }
  });
});

describe.runIf(getCpuKernels() === 'wasm')('wasm matmul on 1 and 2 threads', () => {
  const cases: [string, number[], number[], DType][] = [
    ['rows split, float32', [130, 600], [600, 70], 'float32'],
    ['rows and columns split, float32', [32, 300], [300, 200], 'float32'],
    ['rows split, float64, transposed B', [97, 500], [90, 500], 'float64'],
    ['few items, float32 (rows split per item)', [3, 64, 160], [3, 160, 150], 'float32'],
    ['many items, float64 (items split)', [12, 40, 96], [12, 96, 70], 'float64'],
  ];
  for (const [name, sa, sb, dtype] of cases) {
    it(`${name}: right, and bit for bit the same on 1 and 2 threads`, async () => {
      const a = randn(sa, { seed: 3, dtype });
      const b0 = randn(sb, { seed: 4, dtype });
      const b = name.includes('transposed') ? b0.transpose() : b0;
      setCpuThreads(2);
      await cpuThreadsReady();
      const one = product(1, a, b);
      expectRight(one, a, b);
      // Chunks are handed out dynamically: a worker asleep when a product starts may take
      // none of it, so products are repeated until one has run worker chunks (it wakes then).
      const before = cpuWorkerChunks();
      for (let i = 0; i < 50 && cpuWorkerChunks() === before; i++) {
        const two = product(2, a, b);
        expect(new Uint8Array(two.buffer)).toEqual(new Uint8Array(one.buffer));
      }
      expect(cpuWorkerChunks()).toBeGreaterThan(before);
      for (const t of [a, b0, b]) t.dispose();
    });
  }
});
