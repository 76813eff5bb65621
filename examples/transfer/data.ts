/**
 * The task of one (arm, seed): the base with its planted shifts is the target network, and fixed
 * input splits drawn with disjoint seeds are labelled by it. The inputs do not depend on the run
 * seed (the same x for every run); the targets do, through dW*.
 */
import { mseLoss } from '@webgrad/nn';
import { randn, type Tensor, tidy } from '@webgrad/tensor';
import { predict } from './base-model.js';
import { BASE_SIZES, GeluMLP, HIDDEN_LAYERS, type HiddenLayer } from './mlp.js';
import { type Arm, plantedShift } from './shifts.js';

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];

/** Sizes and input seeds of the splits (disjoint seeds: no input is shared between splits). */
export const SPLITS: Record<SplitName, { size: number; seed: number }> = {
  train: { size: 16384, seed: 1001 },
  validation: { size: 4096, seed: 1002 },
  test: { size: 16384, seed: 1003 },
};
/** Validation rows used for the R-vs-step curve (the first ones; the final R uses all). */
export const CURVE_SIZE = 1024;

export interface Split {
  x: Tensor;
  y: Tensor;
  /** MSE(base(x), y): the denominator of R. */
  baseMse: number;
}

export interface Task {
  arm: Arm;
  seed: number;
  /** dW* per hidden layer, float32. */
  shifts: Record<HiddenLayer, Tensor>;
  train: Split;
  validation: Split;
  test: Split;
  /** The first CURVE_SIZE validation rows. */
  curve: Split;
}

/** The seed of layer `i`'s shift in run `seed` of `arm` (distinct per arm, seed and layer). */
export function shiftSeed(arm: Arm, seed: number, layer: number): number {
  return 100_000 + 1000 * seed + 10 * layer + 'PLHA'.indexOf(arm);
}

/** A copy of `base` (same weights, new tensors). */
export function cloneBase(base: GeluMLP): GeluMLP {
  const copy = new GeluMLP(base.sizes, 0);
  copy.loadStateDict(base.stateDict());
  return copy;
}

/**
 * The task of (`arm`, `seed`) for `base`; `sizes` shrinks the splits (tests).
 * @example const task = await makeTask(base, 'P', 1);
 */
export async function makeTask(
  base: GeluMLP,
  arm: Arm,
  seed: number,
  sizes: Partial<Record<SplitName, number>> = {},
): Promise<Task> {
  const target = cloneBase(base);
  const shifts = {} as Record<HiddenLayer, Tensor>;
  for (const [i, name] of HIDDEN_LAYERS.entries()) {
    const layer = (target as unknown as Record<string, { weight: Tensor }>)[name] as { weight: Tensor };
    const d64 = await plantedShift(arm, layer.weight, shiftSeed(arm, seed, i));
    const d = d64.cast('float32');
    d64.dispose();
    shifts[name] = d;
    layer.weight.assign(tidy(() => layer.weight.add(d)));
  }
  const split = (name: SplitName): Split => {
    const { seed: s, size } = SPLITS[name];
    const x = randn([sizes[name] ?? size, BASE_SIZES[0]], { seed: s });
    const y = predict(target, x);
    const baseMse = tidy(() => mseLoss(predict(base, x), y).dataSync()[0] as number);
    return { x, y, baseMse };
  };
  const train = split('train');
  const validation = split('validation');
  const test = split('test');
  const c = Math.min(CURVE_SIZE, validation.x.shape[0] as number);
  const cx = validation.x.slice([0, c]).contiguous();
  const cy = validation.y.slice([0, c]).contiguous();
  const curveBase = tidy(() => mseLoss(predict(base, cx), cy).dataSync()[0] as number);
  return { arm, seed, shifts, train, validation, test, curve: { x: cx, y: cy, baseMse: curveBase } };
}

/** Frees the task's tensors. */
export function disposeTask(task: Task): void {
  for (const t of Object.values(task.shifts)) t.dispose();
  for (const s of [task.train, task.validation, task.test, task.curve]) {
    s.x.dispose();
    s.y.dispose();
  }
}

/**
 * R = 1 - MSE(model(x), y) / MSE(base(x), y): 0 for the base, 1 when the shift is recovered.
 * @example recovered(model, task.test) // e.g. 0.93
 */
export function recovered(model: GeluMLP, split: Split): number {
  const mse = tidy(() => mseLoss(predict(model, split.x), split.y).dataSync()[0] as number);
  return 1 - mse / split.baseMse;
}
