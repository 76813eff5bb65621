/**
 * Bad values that used to give a silent wrong answer now raise: a class index outside
 * [0, depth) in oneHot (was a zero row), and non-numeric data in tensor() (was NaN).
 */
import { oneHot, TensorError, type TensorErrorKind, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

function expectError(fn: () => unknown, kind: TensorErrorKind, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(TensorError);
  expect((caught as TensorError).kind).toBe(kind);
  expect((caught as TensorError).message).toMatch(message);
}

const idx = (v: number[]) => tensor(Int32Array.from(v));

describe('oneHot', () => {
  it('encodes classes in range', () => {
    expect(oneHot(idx([2, 0]), 3).arraySync()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });
  it.each([
    [[0, 3, 1], 3, /oneHot: class index 3 is out of range for depth 3 \(valid: 0 to 2\)/],
    [[-1], 3, /oneHot: class index -1 is out of range for depth 3/],
    [[0], 0, /oneHot: class index 0 is out of range for depth 0/],
  ])('%j with depth %i is an index error', (classes, depth, message) => {
    expectError(() => oneHot(idx(classes), depth), 'index', message);
  });
  it('a bad depth is a value error', () => {
    expectError(() => oneHot(idx([0]), 2.5), 'value', /oneHot: depth must be a non-negative integer, got 2.5/);
  });
});

describe('tensor() refuses data that is not numbers or booleans', () => {
  it.each([
    [['a'], /tensor: element 0 \(row-major\) is the string 'a'; data must be numbers or booleans/],
    [
      [
        [1, 2],
        [3, '4'],
      ],
      /element 3 \(row-major\) is the string '4'/,
    ],
    [[1, null], /element 1 \(row-major\) is null/],
    [[undefined], /element 0 \(row-major\) is undefined/],
    ['abc', /element 0 \(row-major\) is the string 'abc'/],
    [[{}], /element 0 \(row-major\) is a Object/],
  ])('%j', (data, message) => {
    expectError(() => tensor(data as never), 'value', message);
  });
  it('numbers and booleans still work', () => {
    expect(
      tensor([
        [1, 2],
        [3, 4],
      ]).shape,
    ).toEqual([2, 2]);
    expect(tensor([true, false]).dtype).toBe('bool');
  });
});
