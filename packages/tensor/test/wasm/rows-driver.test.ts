/**
 * The wasm elementwise kernels walk 2-d blocks of rows in one call (rows-wrapper.ts): short rows
 * of broadcast and strided operands, as in attention ([64, 4, 11, 11]) and LayerNorm
 * ([704, 32] with a column of means), must give exactly what the TS kernels give, row steps of
 * every operand included (broadcast rows, transposed and reversed views, 3-d walks).
 */
import { getCpuKernels, randn, setCpuKernels, type Tensor, tidy, where } from '@webgrad/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { wasmKernelsAvailable } from '../../src/backends/cpu/wasm/settings.js';

const initial = getCpuKernels();
afterAll(() => setCpuKernels(initial));

type Case = [string, (a: Tensor, b: Tensor) => Tensor, number[], number[]];

const cases: Case[] = [
  ['[704,32] - [704,1]', (a, b) => a.sub(b), [704, 32], [704, 1]],
  ['[64,4,11,11] * [64,4,11,1]', (a, b) => a.mul(b), [64, 4, 11, 11], [64, 4, 11, 1]],
  ['[64,4,11,11] + [11,11]', (a, b) => a.add(b), [64, 4, 11, 11], [11, 11]],
  ['[64,11,4,8] permuted copy', (a) => a.permute(0, 2, 1, 3).contiguous(), [64, 11, 4, 8], [1]],
  ['[40,30] transposed - [30,40]', (a, b) => a.transpose().sub(b), [40, 30], [30, 40]],
  ['[2,50,12] reversed rows / [2,50,12]', (a, b) => a.flip(1).div(b), [2, 50, 12], [2, 50, 12]],
  ['[64,11,11] < [64,11,1]', (a, b) => a.lt(b), [64, 11, 11], [64, 11, 1]],
  [
    'where([64,11,11] > 0, a, transposed b)',
    (a, b) => where(a.gt(0), a, b.permute(0, 2, 1)),
    [64, 11, 11],
    [64, 11, 11],
  ],
  ['neg of [30,40] transposed', (a) => a.transpose().neg(), [30, 40], [1]],
];

describe.runIf(wasmKernelsAvailable())('elementwise kernels over 2-d blocks of short rows', () => {
  for (const [name, op, sa, sb] of cases) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name}, ${dtype}: wasm equals the TS kernels`, () => {
        const run = (set: 'ts' | 'wasm') => {
          setCpuKernels(set);
          return tidy(() => {
            const [a, b] = [randn(sa, { seed: 1, dtype }), randn(sb, { seed: 2, dtype })];
            return Array.from(op(a, b).dataSync() as ArrayLike<number>);
          });
        };
        expect(run('wasm')).toEqual(run('ts'));
      });
    }
  }
});
