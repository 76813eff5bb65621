/**
 * Mini-batches for a training loop: a seeded shuffle, fixed-size batches, and dropLast, like
 * torch.utils.data.DataLoader over in-memory tensors. Each pass over `Batches` is one epoch;
 * with `shuffle`, epoch e uses the order drawn from subSeed(seed, e), so a seeded run repeats
 * exactly and epochs differ from one another.
 */
import { rand, type Tensor, TensorError, tensor } from '@webgrad/tensor';
import { subSeed } from './init.js';

/** Options of `Batches`. */
export interface BatchOptions {
  batchSize: number;
  /** Reorder the samples every epoch (default false). */
  shuffle?: boolean;
  /** Leave out the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Seeds the shuffles; omitted: the global generator (see manualSeed). */
  seed?: number;
}

/**
 * A permutation of 0..n-1 by Fisher-Yates, with uniforms from the tensor package's counter-based
 * generator (so a seed gives the same order everywhere).
 * @example shuffledIndices(5, 0) // e.g. [3, 0, 4, 1, 2]
 */
export function shuffledIndices(n: number, seed?: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  if (n < 2) return order;
  const u = rand([n], { dtype: 'float64', ...(seed === undefined ? {} : { seed }) });
  const us = u.dataSync();
  u.dispose();
  for (let i = 0; i < n - 1; i++) {
    const j = i + Math.floor((us[i] as number) * (n - i));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/**
 * Index batches for one epoch over n samples.
 * @example batchIndices(5, { batchSize: 2 }) // [[0, 1], [2, 3], [4]]
 */
export function batchIndices(n: number, opts: BatchOptions & { epoch?: number }): number[][] {
  const { batchSize, shuffle = false, dropLast = false, seed, epoch = 0 } = opts;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new TensorError('value', `batches: batchSize must be a positive integer, got ${batchSize}`);
  const order = shuffle ? shuffledIndices(n, subSeed(seed, epoch)) : Array.from({ length: n }, (_, i) => i);
  const out: number[][] = [];
  for (let i = 0; i < n; i += batchSize) {
    const b = order.slice(i, i + batchSize);
    if (b.length < batchSize && dropLast) break;
    out.push(b);
  }
  return out;
}

/**
 * Iterable mini-batches of rows (axis 0) of equally long tensors; each `for...of` is one epoch.
 * @example
 *   const data = new Batches([x, y], { batchSize: 32, shuffle: true, seed: 0 });
 *   for (let epoch = 0; epoch < 3; epoch++) for (const [xb, yb] of data) step(xb, yb);
 */
export class Batches implements Iterable<Tensor[]> {
  readonly tensors: readonly Tensor[];
  readonly options: BatchOptions;
  /** Number of epochs started so far. */
  epoch = 0;

  constructor(tensors: readonly Tensor[], options: BatchOptions) {
    const n = tensors[0]?.shape[0];
    if (n === undefined) throw new TensorError('value', 'Batches: needs at least one tensor of rank >= 1');
    const bad = tensors.find((t) => t.shape[0] !== n);
    if (bad)
      throw new TensorError(
        'shape',
        `Batches: every tensor needs the same length on axis 0; got ${tensors.map((t) => `[${t.shape.join(', ')}]`).join(', ')}`,
      );
    batchIndices(0, options); // validates the options now
    this.tensors = tensors;
    this.options = options;
  }

  /** Samples per epoch. */
  get size(): number {
    return this.tensors[0]?.shape[0] as number;
  }

  /** Batches per epoch. */
  get length(): number {
    const { batchSize, dropLast = false } = this.options;
    return dropLast ? Math.floor(this.size / batchSize) : Math.ceil(this.size / batchSize);
  }

  /** Iterates over the batches of one epoch. */
  *[Symbol.iterator](): Iterator<Tensor[]> {
    const indices = batchIndices(this.size, { ...this.options, epoch: this.epoch++ });
    const device = this.tensors[0]?.device;
    for (const b of indices) {
      const idx = tensor(Int32Array.from(b), { ...(device ? { device } : {}) });
      yield this.tensors.map((t) => t.take(idx, 0));
      idx.dispose();
    }
  }
}
