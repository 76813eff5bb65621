/** Embedding: a lookup table of vectors indexed by integer ids (torch.nn.Embedding). */
import type { Tensor } from '@webgrad/tensor';
import { TensorError } from '@webgrad/tensor';
import { type InitOptions, normal } from './init.js';
import { Module, parameter } from './module.js';

/**
 * `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1) as in PyTorch.
 * @example new Embedding(10, 4).forward(tensor([[1, 2]], { dtype: 'int32' })).shape // [1, 2, 4]
 */
export class Embedding extends Module {
  weight: Tensor;

  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: InitOptions = {},
  ) {
    super();
    this.weight = parameter(normal([numEmbeddings, embeddingDim], opts));
  }

  /** ids (int32, any shape) -> [...ids.shape, embeddingDim]. */
  forward(ids: Tensor): Tensor {
    if (ids.dtype !== 'int32')
      throw new TensorError(
        'dtype',
        `Embedding(${this.numEmbeddings}, ${this.embeddingDim}): ids must be int32, got ${ids.dtype}`,
      );
    return this.weight.take(ids, 0);
  }
}
