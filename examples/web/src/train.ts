/**
 * A small MLP (2 -> 32 -> 32 -> 2, tanh) learns the two moons with Adam, full batch, on the
 * device asked for. Reports the loss of every step to a callback (for the live plot) and ends
 * with the test accuracy, a few sample predictions and the class-1 probability over a grid.
 */
import { backward } from '@webgrad/autograd';
import { Adam, crossEntropy, Linear, Module } from '@webgrad/nn';
import { type Device, type Tensor, tensor, tidy } from '@webgrad/tensor';
import type { Points } from './moons.js';

export class MoonsNet extends Module {
  fc1: Linear;
  fc2: Linear;
  out: Linear;
  constructor(device: Device, seed: number) {
    super();
    this.fc1 = new Linear(2, 32, { device, seed });
    this.fc2 = new Linear(32, 32, { device, seed: seed + 1 });
    this.out = new Linear(32, 2, { device, seed: seed + 2 });
  }
  /** x [N, 2] -> logits [N, 2]. */
  forward(x: Tensor): Tensor {
    return this.out.forward(this.fc2.forward(this.fc1.forward(x).tanh()).tanh());
  }
}

export interface Sample {
  x: [number, number];
  label: number;
  predicted: number;
  /** Probability of the predicted class. */
  p: number;
}

export interface TrainReport {
  device: Device;
  steps: number;
  losses: number[];
  finalLoss: number;
  testAccuracy: number;
  samples: Sample[];
  /** P(class 1) on a `gridSize` x `gridSize` grid over GRID_BOUNDS, row-major from the top row. */
  grid: Float32Array;
  gridSize: number;
  ms: number;
}

export const GRID_BOUNDS = { x0: -1.6, x1: 1.6, y0: -1.1, y1: 1.1 };

export interface TrainOptions {
  device: Device;
  steps: number;
  lr: number;
  seed: number;
  /** Called after every step with its loss; awaited, so the page can repaint. */
  onStep?: (step: number, loss: number) => void | Promise<void>;
}

/** Class probabilities [N, 2] of `points` (a [N, 2] array) as plain numbers. */
async function probabilities(model: MoonsNet, x: Float32Array, n: number, device: Device): Promise<Float32Array> {
  const p = tidy(() => model.forward(tensor(x, { shape: [n, 2], device })).softmax(-1));
  const out = (await p.data()) as Float32Array;
  p.dispose();
  return out;
}

function gridPoints(size: number): Float32Array {
  const g = new Float32Array(2 * size * size);
  const { x0, x1, y0, y1 } = GRID_BOUNDS;
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      g[2 * (r * size + c)] = x0 + ((c + 0.5) / size) * (x1 - x0);
      g[2 * (r * size + c) + 1] = y1 - ((r + 0.5) / size) * (y1 - y0);
    }
  return g;
}

/**
 * Trains a fresh MoonsNet on `train` and evaluates it on `test`.
 * @example const report = await trainMoons(twoMoons(256, 0.1, 1), twoMoons(256, 0.1, 2), { device: 'cpu', steps: 300, lr: 0.02, seed: 0 });
 */
export async function trainMoons(train: Points, test: Points, opts: TrainOptions): Promise<TrainReport> {
  const { device } = opts;
  const start = performance.now();
  const model = new MoonsNet(device, opts.seed);
  const opt = new Adam(model.parameters(), { lr: opts.lr });
  const x = tensor(train.x, { shape: [train.n, 2], device });
  const y = tensor(train.y, { dtype: 'int32', device });
  const losses: number[] = [];
  for (let step = 0; step < opts.steps; step++) {
    const loss = tidy(() => {
      const l = crossEntropy(model.forward(x), y);
      backward(l);
      opt.step();
      opt.zeroGrad();
      return l;
    });
    const value = (await loss.item()) as number;
    loss.dispose();
    losses.push(value);
    await opts.onStep?.(step, value);
  }
  x.dispose();
  y.dispose();

  const probs = await probabilities(model, test.x, test.n, device);
  let correct = 0;
  const samples: Sample[] = [];
  for (let i = 0; i < test.n; i++) {
    const p1 = probs[2 * i + 1] as number;
    const predicted = p1 > 0.5 ? 1 : 0;
    if (predicted === test.y[i]) correct++;
    if (samples.length < 6 && i % 7 === 0)
      samples.push({
        x: [test.x[2 * i] as number, test.x[2 * i + 1] as number],
        label: test.y[i] as number,
        predicted,
        p: predicted === 1 ? p1 : 1 - p1,
      });
  }
  const gridSize = 48;
  const gp = await probabilities(model, gridPoints(gridSize), gridSize * gridSize, device);
  const grid = new Float32Array(gridSize * gridSize);
  for (let i = 0; i < grid.length; i++) grid[i] = gp[2 * i + 1] as number;
  opt.dispose();
  for (const p of model.parameters()) p.dispose();
  return {
    device,
    steps: opts.steps,
    losses,
    finalLoss: losses[losses.length - 1] ?? Number.NaN,
    testAccuracy: correct / test.n,
    samples,
    grid,
    gridSize,
    ms: performance.now() - start,
  };
}
