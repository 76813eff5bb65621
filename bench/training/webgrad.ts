/** webgrad's steps: the MLP from nn.Linear, the GPT is nn.GPT; PyTorch-style backward + optimizer. */
import { backward } from '@webgrad/autograd';
import { AdamW, crossEntropy, GPT, Linear, Module, SGD } from '@webgrad/nn';
import { type Tensor, tensor, tidy } from '@webgrad/tensor';
import {
  ADAM,
  type GptSpec,
  gptBatch,
  gptParams,
  type MlpSpec,
  mlpBatch,
  mlpParams,
  type Param,
  type Step,
} from './spec.js';

class Mlp extends Module {
  layers: Linear[];
  constructor(sizes: readonly number[]) {
    super();
    this.layers = sizes.slice(1).map((m, i) => new Linear(sizes[i] as number, m));
  }
  forward(x: Tensor): Tensor {
    let h = x;
    this.layers.forEach((l, i) => {
      h = l.forward(h);
      if (i + 1 < this.layers.length) h = h.relu();
    });
    return h;
  }
}

function load(model: Module, params: Record<string, Param>): void {
  model.loadStateDict(
    Object.fromEntries(Object.entries(params).map(([k, p]) => [k, tensor(p.data, { shape: p.shape })])),
  );
}

/** One step as a PyTorch user writes it: forward, loss, backward, step, zero_grad. */
function stepOf(loss: () => Tensor, opt: { step(): void; zeroGrad(): void }): Step {
  return async () => {
    const l = tidy(() => {
      const value = loss();
      backward(value);
      opt.step();
      opt.zeroGrad();
      return value;
    });
    const v = (await l.item()) as number;
    l.dispose();
    return v;
  };
}

/** A step's pieces, for drivers that time or profile them apart (bench/profile-step.ts). */
export interface StepParts {
  model: Module;
  loss: () => Tensor;
  opt: { step(): void; zeroGrad(): void };
}

export function webgradMlpParts(spec: MlpSpec): StepParts {
  const model = new Mlp(spec.sizes);
  load(model, mlpParams(spec));
  const b = mlpBatch(spec);
  const x = tensor(b.x, { shape: [spec.batch, spec.sizes[0] as number] });
  const labels = tensor(b.labels, { dtype: 'int32' });
  const opt = new SGD(model.parameters(), { lr: spec.lr });
  return { model, loss: () => crossEntropy(model.forward(x), labels), opt };
}

export function webgradMlp(spec: MlpSpec): Step {
  const { loss, opt } = webgradMlpParts(spec);
  return stepOf(loss, opt);
}

export function webgradGptParts(s: GptSpec): StepParts {
  const model = new GPT({
    vocabSize: s.vocab,
    blockSize: s.ctx,
    nLayer: s.layers,
    nHead: s.heads,
    nEmbd: s.width,
    gelu: 'tanh',
    dropout: 0,
  });
  load(model, gptParams(s));
  const b = gptBatch(s);
  const idx = tensor(b.idx, { dtype: 'int32', shape: [s.batch, s.ctx] });
  const targets = tensor(b.targets, { dtype: 'int32', shape: [s.batch, s.ctx] });
  const opt = new AdamW(model.parameters(), {
    lr: s.lr,
    weightDecay: s.weightDecay,
    betas: [ADAM.b1, ADAM.b2],
    eps: ADAM.eps,
  });
  return { model, loss: () => crossEntropy(model.forward(idx), targets), opt };
}

export function webgradGpt(s: GptSpec): Step {
  const { loss, opt } = webgradGptParts(s);
  return stepOf(loss, opt);
}
