/** Linear: y = x W^T + b, as torch.nn.Linear. */
import type { Tensor } from '@webgrad/tensor';
import { TensorError } from '@webgrad/tensor';
import { type InitOptions, kaimingUniform, subSeed, uniform } from './init.js';
import { Module, parameter } from './module.js';

/** Options of `Linear`. */
export interface LinearOptions extends InitOptions {
  bias?: boolean;
}

/**
 * A fully connected layer with weight [out, in] and bias [out], both drawn from
 * U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's kaiming_uniform with a = sqrt(5)).
 * @example new Linear(4, 2, { seed: 0 }).forward(randn([8, 4])).shape // [8, 2]
 */
export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | undefined;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    const { bias = true, seed, ...rest } = opts;
    this.weight = parameter(
      kaimingUniform([outFeatures, inFeatures], { ...rest, a: Math.sqrt(5), seed: subSeed(seed, 0) }),
    );
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.bias = bias
      ? parameter(uniform([outFeatures], { ...rest, low: -bound, high: bound, seed: subSeed(seed, 1) }))
      : undefined;
  }

  /** x [..., in] -> [..., out]. */
  forward(x: Tensor): Tensor {
    const n = x.shape[x.ndim - 1];
    if (x.ndim === 0 || n !== this.inFeatures)
      throw new TensorError(
        'shape',
        `Linear(${this.inFeatures}, ${this.outFeatures}): input [${x.shape.join(', ')}] must end in ${this.inFeatures}`,
      );
    // Fold the leading dims into one so the matmul is a single 2-d product (no per-batch repacking).
    const lead = x.shape.slice(0, -1);
    const x2 = x.ndim === 2 ? x : x.reshape([-1, this.inFeatures]); // [N, in]
    let y = x2.matmul(this.weight.mT); // [N, out]
    if (this.bias) y = y.add(this.bias);
    return x.ndim === 2 ? y : y.reshape([...lead, this.outFeatures]); // [..., out]
  }
}
