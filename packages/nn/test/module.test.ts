import { Dropout, functionalCall, GPT, LayerNorm, Linear, Module, parameter } from '@webgrad/nn';
import { ones, type Tensor, tensor, zeros } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

class Inner extends Module {
  lin = new Linear(3, 2, { seed: 1 });
  drop = new Dropout(0.5);
  scale: Tensor = parameter(ones([2]));
  notState: Tensor = zeros([2]); // a plain tensor field: neither parameter nor buffer
  forward(x: Tensor): Tensor {
    return this.drop.forward(this.lin.forward(x)).mul(this.scale);
  }
}

class Outer extends Module {
  blocks = [new Inner(), new Inner()];
  norm = new LayerNorm(2);
  declare running: Tensor;
  constructor() {
    super();
    this.registerBuffer('running', zeros([2]));
  }
}

describe('Module', () => {
  it('discovers parameters and buffers from fields with dotted, indexed names', () => {
    const m = new Outer();
    expect(m.namedParameters().map(([n]) => n)).toEqual([
      'blocks.0.scale',
      'blocks.0.lin.weight',
      'blocks.0.lin.bias',
      'blocks.1.scale',
      'blocks.1.lin.weight',
      'blocks.1.lin.bias',
      'norm.weight',
      'norm.bias',
    ]);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['running']);
    expect(Object.keys(m.stateDict())).toContain('running');
    expect(Object.keys(m.stateDict())).not.toContain('blocks.0.notState');
  });

  it('train()/eval() reach every submodule; requiresGrad(false) freezes a subtree that stays listed', () => {
    const m = new Outer();
    m.eval();
    expect(m.namedModules().every(([, s]) => !s.training)).toBe(true);
    m.train();
    expect((m.blocks[1] as Inner).drop.training).toBe(true);
    (m.blocks[0] as Inner).requiresGrad(false);
    const flags = Object.fromEntries(m.namedParameters().map(([n, p]) => [n, p.requiresGrad]));
    expect(flags['blocks.0.lin.weight']).toBe(false);
    expect(flags['blocks.1.lin.weight']).toBe(true);
    expect(m.parameters()).toHaveLength(8);
  });

  it('lists a tied weight once; stateDict snapshots survive later updates', async () => {
    const gpt = new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 1, nEmbd: 4, seed: 0 });
    const names = gpt.namedParameters().map(([n]) => n);
    expect(names.filter((n) => n.startsWith('wte'))).toEqual(['wte.weight']);
    expect(names).not.toContain('blocks.0.attn.mask');
    const sd = gpt.stateDict();
    const before = Array.from(await (sd['wte.weight'] as Tensor).data());
    gpt.wte.weight.assign(gpt.wte.weight.add(1));
    expect(Array.from(await (sd['wte.weight'] as Tensor).data())).toEqual(before);
    gpt.loadStateDict(sd);
    expect(Array.from(await gpt.wte.weight.data())).toEqual(before);
  });

  it('loadStateDict keeps tensor identity and reports missing, unexpected and mismatched keys together', () => {
    const a = new Linear(3, 2, { seed: 1 });
    const b = new Linear(3, 2, { seed: 2 });
    const w = b.weight;
    b.loadStateDict(a.stateDict());
    expect(b.weight).toBe(w);
    expect(b.weight.arraySync()).toEqual(a.weight.arraySync());
    const bad = { weight: zeros([2, 4]), extra: zeros([1]) };
    expect(() => b.loadStateDict(bad)).toThrowError(
      /missing keys: bias\. unexpected keys: extra\. mismatched: weight: expected Tensor\(\[2, 3\], float32, cpu\), got Tensor\(\[2, 4\]/,
    );
    expect(() => b.loadStateDict({ weight: zeros([2, 3], { dtype: 'float64' }) }, { strict: false })).toThrowError(
      /mismatched: weight/,
    );
    b.loadStateDict({ bias: tensor([5, 6]) }, { strict: false });
    expect(b.bias?.arraySync()).toEqual([5, 6]);
    expect(b.weight.arraySync()).toEqual(a.weight.arraySync());
  });

  it('functionalCall substitutes parameters for one call and restores them', () => {
    const lin = new Linear(2, 1, { bias: false, seed: 3 });
    const w = lin.weight;
    const y = functionalCall(lin, { weight: tensor([[2, 3]]) }, (m) => m.forward(tensor([[1, 1]])));
    expect(y.arraySync()).toEqual([[5]]);
    expect(lin.weight).toBe(w);
    expect(() => functionalCall(lin, { nope: w }, (m) => m)).toThrowError(/no parameter or buffer 'nope'/);
  });

  it('to(device) on the same device keeps everything', async () => {
    const m = new Outer();
    const ps = m.parameters();
    await m.to('cpu');
    expect(m.parameters()).toEqual(ps);
  });
});
