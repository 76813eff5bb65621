/**
 * The SIMD comparison and `where` rows (select-kernel.ts) against the TS kernels, bit for bit:
 * float32 and int32 comparisons with rows, a broadcast scalar (a number operand, either side),
 * broadcast rows and columns (a column is one scalar per row) and transposed views, on values
 * with NaN, ±0, ±Infinity and repeats (so eq is often true); where on bool, int32 and float32
 * x / y that are rows, scalars or columns, keeping NaN payloads and the sign of zeros; and the
 * composites over them (le, ge, relu, logicalOr). Sizes have ragged tails (not multiples of 16).
 */
import {
  type DType,
  eq,
  ge,
  getCpuKernels,
  le,
  logicalOr,
  lt,
  relu,
  setCpuKernels,
  type Tensor,
  tensor,
  tidy,
  where,
} from '@webgrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { wasmKernelsAvailable } from '../../src/backends/cpu/wasm/settings.js';

const initial = getCpuKernels();
afterAll(() => setCpuKernels(initial));

const SPECIALS = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, -1, 2.5];

/** Deterministic values: specials and small integers mixed with fractions (seeded LCG). */
function values(n: number, seed: number, dtype: DType): number[] {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  return Array.from({ length: n }, () => {
    const r = next();
    if (dtype === 'int32') return Math.floor(r * 7) - 3;
    if (dtype === 'bool') return r < 0.5 ? 0 : 1;
    if (r < 0.3) return SPECIALS[Math.floor(next() * SPECIALS.length)] as number;
    return r < 0.6 ? Math.floor(next() * 5) - 2 : next() * 6 - 3;
  });
}

function make(shape: number[], seed: number, dtype: DType): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = values(n, seed, dtype);
  const data = dtype === 'int32' ? Int32Array.from(v) : dtype === 'bool' ? Uint8Array.from(v) : Float32Array.from(v);
  return tensor(data, { shape, dtype });
}

/** The result's bytes (so NaN payloads and -0 are compared exactly). */
function bytesOf(t: Tensor): Uint8Array {
  const d = t.dataSync();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

function bothSets(build: () => Tensor): [Uint8Array, Uint8Array, number[]] {
  const run = (set: 'ts' | 'wasm') => {
    setCpuKernels(set);
    return tidy(() => {
      const out = build();
      return [bytesOf(out), out.shape] as const;
    });
  };
  const [ts, shape] = run('ts');
  const [wasm] = run('wasm');
  return [ts, wasm, [...shape]];
}

type Case = [string, (dtype: DType) => Tensor];

const SHAPE = [37, 53]; // 1961 elements, rows of 53 (3 vectors of 16 and a tail of 5)
const compareCases: Case[] = [
  ['x < y', (d) => lt(make(SHAPE, 1, d), make(SHAPE, 2, d))],
  ['x == y', (d) => eq(make(SHAPE, 1, d), make(SHAPE, 2, d))],
  ['x < 0', (d) => lt(make(SHAPE, 3, d), 0)],
  ['0 < x', (d) => lt(0, make(SHAPE, 3, d))],
  ['x == 0', (d) => eq(make(SHAPE, 3, d), 0)],
  ['x == -1 (scalar first)', (d) => eq(-1, make(SHAPE, 4, d))],
  ['x < row [53]', (d) => lt(make(SHAPE, 5, d), make([53], 6, d))],
  ['column [37,1] == x', (d) => eq(make([37, 1], 7, d), make(SHAPE, 8, d))],
  ['transposed x < y', (d) => lt(make([53, 37], 9, d).transpose(), make(SHAPE, 10, d))],
  ['x <= 0', (d) => le(make(SHAPE, 11, d), 0)],
  ['x >= y', (d) => ge(make(SHAPE, 12, d), make(SHAPE, 13, d))],
];
const whereCases: Case[] = [
  ['where(c, x, y)', (d) => where(make(SHAPE, 20, 'bool'), make(SHAPE, 21, d), make(SHAPE, 22, d))],
  ['where(c, 0, x)', (d) => where(make(SHAPE, 23, 'bool'), d === 'int32' ? 0 : -0, make(SHAPE, 24, d))],
  ['where(c, x, 2)', (d) => where(make(SHAPE, 25, 'bool'), make(SHAPE, 26, d), 2)],
  ['where(c, column, row)', (d) => where(make(SHAPE, 27, 'bool'), make([37, 1], 28, d), make([53], 29, d))],
  [
    'where(c, x, transposed y)',
    (d) => where(make(SHAPE, 30, 'bool'), make(SHAPE, 31, d), make([53, 37], 32, d).transpose()),
  ],
  ['where(row c, x, y)', (d) => where(make([53], 33, 'bool'), make(SHAPE, 34, d), make(SHAPE, 35, d))],
];

describe.runIf(wasmKernelsAvailable())('SIMD comparison and where rows equal the TS kernels', () => {
  for (const [name, build] of compareCases) {
    for (const dtype of ['float32', 'int32'] as const) {
      it(`${name}, ${dtype}`, () => {
        const [ts, wasm, shape] = bothSets(() => build(dtype));
        expect(shape).toEqual(SHAPE);
        expect(wasm).toEqual(ts);
        expect(ts.some((b) => b === 1) && ts.some((b) => b === 0)).toBe(true);
      });
    }
  }
  for (const [name, build] of whereCases) {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      it(`${name}, ${dtype}`, () => {
        const [ts, wasm] = bothSets(() => build(dtype));
        expect(wasm).toEqual(ts);
      });
    }
  }
  it('logicalOr of two bool tensors and of a bool tensor and a column', () => {
    for (const other of [SHAPE, [37, 1]]) {
      const [ts, wasm] = bothSets(() => logicalOr(make(SHAPE, 40, 'bool'), make(other, 41, 'bool')));
      expect(wasm).toEqual(ts);
    }
  });
  it('relu keeps NaN, gives +0 at -0 and 0, and equals the TS kernels', () => {
    const [ts, wasm] = bothSets(() => relu(make(SHAPE, 50, 'float32')));
    expect(wasm).toEqual(ts);
    setCpuKernels('wasm');
    const got = tidy(() =>
      relu(tensor(Float32Array.from({ length: 1024 }, (_, i) => SPECIALS[i % 8] as number))).dataSync(),
    );
    expect([...got.slice(0, 8)]).toEqual([Number.NaN, 0, 0, Number.POSITIVE_INFINITY, 0, 1, 0, 2.5]);
    expect(Object.is(got[2], 0)).toBe(true);
  });
});
