/**
 * Second order at the points where stable forms and special cases go wrong: exact zeros, ties,
 * 0-d tensors. Each row is checked by gradcheck and gradgradcheck (float64 central differences)
 * at points that the random op-spec generators reach rarely or never. Only ops that are smooth
 * at the point are listed (relu, abs, maximum at ties, clip have true kinks there).
 */
import { gradcheck, gradgradcheck } from '@webgrad/autograd';
import * as T from '@webgrad/tensor';
import { type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

type Fn = (...xs: Tensor[]) => Tensor;
interface EdgeRow {
  name: string;
  f: Fn;
  /** Points: each input as [shape, values]. */
  points: [number[], number[]][][];
}

const x0 = (v: number): [number[], number[]] => [[], [v]]; // a 0-d input
const vec = (...vs: number[]): [number[], number[]] => [[vs.length], vs];
const at = (...vs: number[]) => [x0(vs[0] as number), vec(...vs)];

/** Unary ops smooth at 0: checked at 0-d 0 and at a vector holding 0 and a few neighbours. */
const SMOOTH_AT_ZERO: [string, Fn][] = [
  ['exp', T.exp],
  ['sin', T.sin],
  ['cos', T.cos],
  ['tanh', T.tanh],
  ['erf', T.erf],
  ['sigmoid', T.sigmoid],
  ['softplus', T.softplus],
  ['silu', T.silu],
  ['gelu(erf)', (x) => T.gelu(x)],
  ['gelu(tanh)', (x) => T.gelu(x, 'tanh')],
  ['square', T.square],
  ['neg', T.neg],
];

const ROWS: EdgeRow[] = [
  ...SMOOTH_AT_ZERO.map(([name, f]) => ({ name, f, points: [[x0(0)], [vec(0, -0.5, 1.5)]] })),
  { name: 'softplus far out', f: T.softplus, points: [[vec(-40, 40, 1e-12, -1e-12)]] },
  {
    name: 'mul at zeros',
    f: (a, b) => T.mul(a, b),
    points: [
      [x0(0), x0(0)],
      [vec(0, 2), vec(0, 0)],
    ],
  },
  { name: 'div with a zero numerator', f: (a, b) => T.div(a, b), points: [[vec(0, 0), vec(2, -3)]] },
  // pow at exponent 0 and 1, bases away from 0: smooth, and the mixed derivative must survive.
  {
    name: 'pow at b = 0, 1, 2',
    f: (a, b) => T.pow(a, b),
    points: [
      [vec(2, 0.5, 3), vec(0, 1, 2)],
      [x0(1), x0(0)],
    ],
  },
  { name: 'pow with a constant exponent at a = 0', f: (a) => T.pow(a, 2), points: [at(0, 1)] },
  { name: 'prod, one zero', f: (x) => T.prod(x), points: [[vec(2, 0, 3)], [vec(0, -1.5)]] },
  { name: 'prod, two zeros', f: (x) => T.prod(x), points: [[vec(0, 0, 3)], [vec(0, 2, 0, 0.5)]] },
  { name: 'prod, all zeros', f: (x) => T.prod(x), points: [[vec(0, 0, 0)]] },
  { name: 'prod, 0-d and one element', f: (x) => T.prod(x), points: [[x0(0)], [vec(0)], [vec(2)]] },
  {
    name: 'prod along an axis with zeros',
    f: (x) => T.prod(x, 1),
    points: [
      [
        [
          [2, 3],
          [0, 2, 3, 0, 0, 1],
        ],
      ],
      [
        [
          [3, 2],
          [1, 0, 2, 0, 0, 0],
        ],
      ],
    ],
  },
  { name: 'prod of 17 (several doubling steps)', f: (x) => T.prod(x), points: [[vec(...oneZeroOf(17))]] },
  { name: 'softmax with ties', f: (x) => T.softmax(x, 0), points: [[vec(1, 1, 1)], [vec(0, 0)]] },
  { name: 'logSoftmax with ties', f: (x) => T.logSoftmax(x, 0), points: [[vec(1, 1, 1)], [vec(0, 0, 2)]] },
  { name: 'logsumexp with ties', f: (x) => T.logsumexp(x), points: [[vec(0, 0)], [vec(3, 3, -1)], [x0(0)]] },
  { name: 'var of a constant', f: (x) => T.variance(x), points: [[vec(1, 1, 1)], [vec(0, 0)]] },
  { name: 'mean at zeros', f: (x) => T.mean(x), points: [[x0(0)], [vec(0, 0)]] },
  {
    name: 'matmul of zeros',
    f: (a, b) => T.matmul(a, b),
    points: [
      [
        [
          [2, 2],
          [0, 0, 0, 0],
        ],
        [
          [2, 2],
          [0, 1, 0, 0],
        ],
      ],
    ],
  },
  {
    name: 'where at zeros',
    f: (a, b) => T.where(T.tensor([true, false]), a.mul(a), b.mul(b)),
    points: [[vec(0, 0), vec(0, 0)]],
  },
];

function oneZeroOf(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i === 5 ? 0 : 1 + ((i * 37) % 11) / 20));
}

describe('first and second derivatives at edge points', () => {
  const cases = ROWS.flatMap((row) => row.points.map((pt, i) => [`${row.name} #${i}`, row, pt] as const));
  it.each(cases)('%s', async (_label, row, pt) => {
    const inputs = pt.map(([shape, data]) => tensor(Float64Array.from(data), { dtype: 'float64', shape }));
    const first = await gradcheck(row.f, inputs);
    expect(first.ok, first.message).toBe(true);
    const second = await gradgradcheck(row.f, inputs);
    expect(second.ok, second.message).toBe(true);
  });
});
