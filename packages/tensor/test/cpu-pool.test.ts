/**
 * Per-op overhead changes that must not show: the CPU backend's reuse pool hands out zero-filled
 * arrays and counts its bytes, and tensors that leave every tidy scope (returned, or kept) are
 * still caught by the garbage-collection safety net.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CpuBackend, keep, memory, ones, type Tensor, tidy } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
  await new Promise((r) => setTimeout(r, 0));
}

describe('CPU array pool', () => {
  it('reuses a freed array only for the same dtype and length, zero-filled', () => {
    const cpu = new CpuBackend();
    const a = cpu.alloc('float32', 8);
    a.fill(7);
    cpu.free(a, 'float32');
    expect(cpu.pooledBytes()).toBe(32);
    expect(cpu.alloc('float32', 4)).not.toBe(a);
    expect(cpu.alloc('int32', 8)).not.toBe(a);
    const b = cpu.alloc('float32', 8);
    expect(b).toBe(a);
    expect(Array.from(b)).toEqual(new Array(8).fill(0));
    expect(cpu.pooledBytes()).toBe(0);
  });
});

describe('safety net for tensors leaving tidy', () => {
  const live = () => memory().cpu?.tensors ?? 0;

  it('releases returned and kept tensors once they are collected', async () => {
    const x = ones([4]);
    await collect();
    const before = live();
    let returned: Tensor | undefined = tidy(() => x.mul(2).add(1));
    let kept: Tensor | undefined;
    tidy(() => {
      kept = keep(x.exp());
    });
    expect(live() - before).toBe(2);
    expect(returned.dataSync()[0]).toBe(3);
    returned = undefined;
    kept = undefined;
    await collect();
    expect(live() - before).toBe(0);
    expect(kept).toBeUndefined();
    x.dispose();
  });
});
