/** The transformer feed-forward block: Linear -> GELU -> Linear (-> Dropout). */
import type { Device, DType, Tensor } from '@webgrad/tensor';
import { Dropout } from './dropout.js';
import { subSeed } from './init.js';
import { Linear } from './linear.js';
import { Module } from './module.js';

/** Options of `MLP`. */
export interface MLPOptions {
  /** Hidden width; default 4 * nEmbd (GPT-2). */
  hidden?: number;
  dropout?: number;
  bias?: boolean;
  /** GELU form: 'none' (exact, erf: fewer ops) or 'tanh' (GPT-2's approximation). */
  approximate?: 'none' | 'tanh';
  dtype?: DType;
  device?: Device;
  seed?: number;
}

/**
 * x [..., C] -> cProj(gelu(cFc(x))) [..., C].
 * @example new MLP(16).forward(randn([2, 5, 16])).shape // [2, 5, 16]
 */
export class MLP extends Module {
  cFc: Linear;
  cProj: Linear;
  dropout: Dropout;
  readonly approximate: 'none' | 'tanh';

  constructor(
    readonly nEmbd: number,
    opts: MLPOptions = {},
  ) {
    super();
    const { hidden = 4 * nEmbd, dropout = 0, bias = true, approximate = 'none', dtype, device, seed } = opts;
    this.approximate = approximate;
    this.cFc = new Linear(nEmbd, hidden, { bias, dtype, device, seed: subSeed(seed, 0) });
    this.cProj = new Linear(hidden, nEmbd, { bias, dtype, device, seed: subSeed(seed, 1) });
    this.dropout = new Dropout(dropout, { seed: subSeed(seed, 2) });
  }

  /** x [..., C] -> cProj(gelu(cFc(x))) [..., C], with dropout in training mode. */
  forward(x: Tensor): Tensor {
    return this.dropout.forward(this.cProj.forward(this.cFc.forward(x).gelu(this.approximate)));
  }
}
