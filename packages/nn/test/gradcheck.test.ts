/**
 * Every layer's gradients against central differences (float64, small sizes), through the module
 * API: the module's forward is wrapped as a function of its parameters and input.
 */
import { gradcheck } from '@webgrad/autograd';
import {
  Block,
  CausalSelfAttention,
  crossEntropy,
  Embedding,
  functionalCall,
  GPT,
  LayerNorm,
  Linear,
  MLP,
  type Module,
  mseLoss,
  RMSNorm,
} from '@webgrad/nn';
import { randn, type Tensor, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const dtype = 'float64' as const;

/** f(x, ...params) = module.forward(x) with the named parameters substituted. */
function asFunction<M extends Module>(
  m: M,
  run: (m: M, x: Tensor) => Tensor,
  names = m.namedParameters().map(([n]) => n),
) {
  const params = Object.fromEntries(m.namedParameters());
  const f = (x: Tensor, ...ps: Tensor[]) =>
    functionalCall(m, Object.fromEntries(names.map((n, i) => [n, ps[i] as Tensor])), (mm) => run(mm, x));
  return { f, params: names.map((n) => params[n] as Tensor) };
}

/** Random non-trivial values for parameters that start at constants (norm weights 1, biases 0). */
function perturb(m: Module, seed: number): void {
  m.parameters().forEach((p, i) => {
    p.assign(p.add(randn(p.shape, { dtype, seed: seed + i, std: 0.3 })));
  });
}

const cases: [string, () => { f: (...xs: Tensor[]) => Tensor; inputs: Tensor[] }][] = [
  [
    'Linear',
    () => {
      const m = new Linear(3, 2, { dtype, seed: 1 });
      const { f, params } = asFunction(m, (mm, x) => mm.forward(x));
      return { f, inputs: [randn([2, 2, 3], { dtype, seed: 2 }), ...params] };
    },
  ],
  [
    'LayerNorm',
    () => {
      const m = new LayerNorm(4, { dtype });
      perturb(m, 3);
      const { f, params } = asFunction(m, (mm, x) => mm.forward(x));
      return { f, inputs: [randn([3, 4], { dtype, seed: 4 }), ...params] };
    },
  ],
  [
    'RMSNorm',
    () => {
      const m = new RMSNorm(4, { dtype, eps: 1e-6 });
      perturb(m, 5);
      const { f, params } = asFunction(m, (mm, x) => mm.forward(x));
      return { f, inputs: [randn([3, 4], { dtype, seed: 6 }), ...params] };
    },
  ],
  [
    'Embedding (weight)',
    () => {
      const m = new Embedding(5, 3, { dtype, seed: 7 });
      const ids = tensor(
        [
          [1, 4],
          [1, 0],
        ],
        { dtype: 'int32' },
      );
      const { f, params } = asFunction(m, (mm) => mm.forward(ids));
      return { f: (...ps: Tensor[]) => f(ids, ...ps), inputs: params };
    },
  ],
  [
    'MLP',
    () => {
      const m = new MLP(3, { dtype, seed: 8, hidden: 5 });
      perturb(m, 9);
      const { f, params } = asFunction(m, (mm, x) => mm.forward(x));
      return { f, inputs: [randn([2, 3], { dtype, seed: 10 }), ...params] };
    },
  ],
  [
    'CausalSelfAttention',
    () => {
      const m = new CausalSelfAttention(4, 2, { dtype, seed: 11, blockSize: 4 });
      perturb(m, 12);
      const { f, params } = asFunction(m, (mm, x) => mm.forward(x));
      return { f, inputs: [randn([2, 3, 4], { dtype, seed: 13 }), ...params] };
    },
  ],
  [
    'Block',
    () => {
      const m = new Block({ vocabSize: 1, blockSize: 3, nLayer: 1, nHead: 2, nEmbd: 4, dtype }, 14);
      perturb(m, 15);
      const { f, params } = asFunction(m, (mm, x) => mm.forward(x));
      return { f, inputs: [randn([1, 3, 4], { dtype, seed: 16 }), ...params] };
    },
  ],
  [
    'GPT + crossEntropy (tied head)',
    () => {
      const m = new GPT({ vocabSize: 5, blockSize: 4, nLayer: 1, nHead: 2, nEmbd: 4, dtype, seed: 17 });
      perturb(m, 18);
      const idx = tensor(
        [
          [1, 2, 3],
          [4, 0, 1],
        ],
        { dtype: 'int32' },
      );
      const y = tensor(
        [
          [2, 3, 4],
          [0, 1, -100],
        ],
        { dtype: 'int32' },
      );
      const names = ['wte.weight', 'wpe.weight', 'blocks.0.attn.cAttn.weight', 'blocks.0.ln2.bias', 'lnF.weight'];
      const { f, params } = asFunction(m, (mm) => crossEntropy(mm.forward(idx), y, { labelSmoothing: 0.1 }), names);
      return { f: (...ps: Tensor[]) => f(idx, ...ps), inputs: params };
    },
  ],
  [
    'mseLoss',
    () => ({
      f: (a: Tensor, b: Tensor) => mseLoss(a, b),
      inputs: [randn([2, 3], { dtype, seed: 19 }), randn([2, 3], { dtype, seed: 20 })],
    }),
  ],
];

describe('gradcheck through the module API', () => {
  for (const [name, make] of cases) {
    it(name, async () => {
      const { f, inputs } = make();
      // Not vacuous: the output depends on every differentiated input (substitution took effect).
      const base = Array.from(f(...inputs).dataSync());
      inputs.forEach((_, i) => {
        const moved = inputs.map((u, j) => (j === i ? u.add(0.1) : u));
        expect(Array.from(f(...moved).dataSync()), `input ${i}`).not.toEqual(base);
      });
      const report = await gradcheck(f, inputs);
      expect(report.ok, report.message).toBe(true);
    });
  }
});
