/** nn raises TensorErrors with kinds, and names the call people get wrong. */
import { Adam, crossEntropy, Dropout, GPT, Linear, parseSafetensors, SafetensorsError, SGD } from '@webgrad/nn';
import { randn, type Tensor, TensorError, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

function errorOf(fn: () => unknown): TensorError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TensorError);
    return e as TensorError;
  }
  throw new Error('expected a TensorError');
}

describe('optimizer arguments', () => {
  it('new Adam(model.parameters) says to call model.parameters()', () => {
    const model = new Linear(2, 2, { seed: 0 });
    const e = errorOf(() => new Adam(model.parameters as never));
    expect(e.kind).toBe('value');
    expect(e.message).toBe(
      'Adam: params is a function, not a list of tensors; call model.parameters() (with the parentheses)',
    );
  });
  it('rejects an empty list and things that are not tensors', () => {
    expect(errorOf(() => new SGD([])).message).toBe('SGD: got an empty parameter list');
    expect(errorOf(() => new SGD([3 as never])).message).toMatch(/SGD: params\[0\] is neither a Tensor/);
    expect(errorOf(() => new SGD(new Linear(2, 2) as never)).message).toMatch(/SGD: params must be an array/);
  });
  it('step() without any gradient raises a state error naming the usual causes', () => {
    const model = new Linear(2, 2, { seed: 0 });
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const e = errorOf(() => opt.step());
    expect(e.kind).toBe('state');
    expect(e.message).toMatch(/^SGD.step: none of its 2 parameters has a gradient/);
    expect(e.message).toMatch(/before applyAdapter.*frozen.*backward\(loss\) was not called/);
  });
});

describe('crossEntropy targets', () => {
  it('an out-of-range target names crossEntropy, the value, its position and the class count', () => {
    const logits = randn([2, 3, 4], { seed: 1 });
    const t = tensor([0, 1, 2, 3, 7, -1], { dtype: 'int32', shape: [2, 3] });
    const e = errorOf(() => crossEntropy(logits, t));
    expect(e.kind).toBe('index');
    expect(e.message).toBe(
      'crossEntropy: target 7 at [1, 1] is out of range for 4 classes; targets must be in [0, 4) or equal ignoreIndex (-100)',
    );
  });
  it('ignoreIndex values are not out of range', () => {
    const logits = randn([2, 4], { seed: 1 });
    expect(crossEntropy(logits, tensor([-1, 2], { dtype: 'int32' }), { ignoreIndex: -1 }).shape).toEqual([]);
  });
});

describe('nn errors are TensorErrors with kinds', () => {
  const cases: [string, () => unknown, string][] = [
    ['Linear input', () => new Linear(3, 2).forward(randn([2, 4])), 'shape'],
    ['Dropout p', () => new Dropout(2), 'value'],
    ['GPT config', () => new GPT({ vocabSize: 0, blockSize: 2, nLayer: 1, nHead: 1, nEmbd: 2 }), 'value'],
    [
      'GPT idx dtype',
      () => new GPT({ vocabSize: 3, blockSize: 2, nLayer: 1, nHead: 1, nEmbd: 2 }).forward(randn([1, 2]) as Tensor),
      'dtype',
    ],
    ['crossEntropy dtype', () => crossEntropy(randn([1, 2]), tensor([0])), 'dtype'],
  ];
  it.each(cases)('%s', (_, fn, kind) => {
    expect(errorOf(fn).kind).toBe(kind);
  });
  it('a bad safetensors file is a SafetensorsError, which is a value TensorError', () => {
    const e = errorOf(() => parseSafetensors(new Uint8Array(3)));
    expect(e).toBeInstanceOf(SafetensorsError);
    expect(e.kind).toBe('value');
  });
});
