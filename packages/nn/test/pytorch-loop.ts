/**
 * The training loop a PyTorch user writes, with no tidy and no dispose: forward, zeroGrad,
 * backward, step, and `await loss.item()` every step. Shared by the CPU and WebGPU memory tests.
 */
import { backward } from '@webgrad/autograd';
import { Adam, crossEntropy, Linear, Module, SGD } from '@webgrad/nn';
import { type Device, memory, randint, randn, type Tensor } from '@webgrad/tensor';

class TinyMLP extends Module {
  fc1: Linear;
  fc2: Linear;
  constructor(device: Device) {
    super();
    this.fc1 = new Linear(8, 16, { seed: 1, device });
    this.fc2 = new Linear(16, 3, { seed: 2, device });
  }
  forward(x: Tensor): Tensor {
    return this.fc2.forward(this.fc1.forward(x).relu());
  }
}

export interface LoopSample {
  step: number;
  /** Live tensors on the loop's device right after the step's readback. */
  tensors: number;
  rssMiB: number;
}

/**
 * Runs `steps` steps and samples live tensors and RSS every `every` steps. SGD with momentum
 * needs a quarter of Adam's dispatches (what a WebGPU step on a software driver pays for).
 */
export async function pytorchStyleLoop(device: Device, steps: number, optimizer: 'adam' | 'sgd' = 'adam', every = 50) {
  const model = new TinyMLP(device);
  const opt =
    optimizer === 'adam'
      ? new Adam(model.parameters(), { lr: 1e-2 })
      : new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const samples: LoopSample[] = [];
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const x = randn([16, 8], { seed: step % 64, device });
    const y = randint(0, 3, [16], { seed: step % 64, device });
    const loss = crossEntropy(model.forward(x), y);
    opt.zeroGrad();
    backward(loss);
    opt.step();
    losses.push(await loss.item());
    if (step % every === 0 || step === steps - 1) {
      samples.push({
        step,
        tensors: memory()[device]?.tensors ?? 0,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
      });
    }
  }
  return { samples, losses };
}

/** The largest sample of `key` among steps in [from, to). */
export function peak(samples: readonly LoopSample[], key: 'tensors' | 'rssMiB', from: number, to: number): number {
  return Math.max(...samples.filter((s) => s.step >= from && s.step < to).map((s) => s[key]));
}
