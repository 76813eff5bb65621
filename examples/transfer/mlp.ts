/**
 * The networks of the transfer experiment: a GELU MLP with biases whose layers are fields
 * `fc0`, `fc1`, ... read by name in `forward`, so `applyAdapter` can replace a layer by an adapter
 * (nn's Sequential keeps its own list of steps, so a replaced field would not be called).
 */
import { Linear, Module } from '@webgrad/nn';
import { type Tensor, TensorError } from '@webgrad/tensor';

/** The base model: 64 -> 128 -> 128 -> 128 -> 16 (43,408 parameters with biases). */
export const BASE_SIZES = [64, 128, 128, 128, 16] as const;
/** The teacher the base is pretrained on: three hidden layers of width 256. */
export const TEACHER_SIZES = [64, 256, 256, 256, 16] as const;
/** The two 128 x 128 hidden weights that get the planted shift and the adapters. */
export const HIDDEN_LAYERS = ['fc1', 'fc2'] as const;
export type HiddenLayer = (typeof HIDDEN_LAYERS)[number];

/**
 * y = fc_L(gelu(... gelu(fc_0(x)))) with exact (erf) GELU between layers.
 * @example new GeluMLP([64, 128, 16], 0).forward(randn([8, 64])).shape // [8, 16]
 */
export class GeluMLP extends Module {
  readonly depth: number;

  constructor(
    readonly sizes: readonly number[],
    seed: number,
  ) {
    super();
    if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1))
      throw new TensorError('value', `GeluMLP: sizes must be >= 2 positive integers, got [${sizes.join(', ')}]`);
    this.depth = sizes.length - 1;
    const self = this as unknown as Record<string, Linear>;
    for (let i = 0; i < this.depth; i++)
      self[`fc${i}`] = new Linear(sizes[i] as number, sizes[i + 1] as number, { seed: seed * 100 + i });
  }

  /** The layer at `fc${i}` (an adapter layer after `applyAdapter`). */
  layer(i: number): Module & { forward(x: Tensor): Tensor } {
    return (this as unknown as Record<string, Module & { forward(x: Tensor): Tensor }>)[`fc${i}`] as Module & {
      forward(x: Tensor): Tensor;
    };
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.depth; i++) {
      h = this.layer(i).forward(h);
      if (i < this.depth - 1) h = h.gelu();
    }
    return h;
  }
}
