/**
 * Gradients keep no more alive than the backward needs: the engine frees its temporaries as it
 * goes (counted with memory()), and the recorded graph is released after use (WeakRef + GC).
 */

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { backward, grad, valueAndGrad } from '@webgrad/autograd';
import { memory, randn, type Tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const live = () => memory().cpu?.tensors ?? 0;

/** Collects garbage after the current job (WeakRefs read in this job stay alive until it ends). */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
  }
  await new Promise((r) => setTimeout(r, 0));
}

const model = (w: Tensor, x: Tensor) => x.matmul(w).tanh().mul(x.matmul(w).exp()).softmax(-1).max(1).sum();

describe('memory', () => {
  it('backward() leaves only the .grad tensors behind (temporaries freed eagerly)', () => {
    const w = randn([3, 4], { dtype: 'float64', seed: 1 });
    const x = randn([2, 3], { dtype: 'float64', seed: 2 });
    w.requiresGrad = true;
    const loss = model(w, x);
    const before = live();
    backward(loss);
    expect(live() - before).toBe(1); // w.grad
    expect(w.grad?.shape).toEqual([3, 4]);
  });

  it('backward() releases the graph: intermediates become collectable', async () => {
    const w = randn([3, 4], { dtype: 'float64', seed: 1 });
    w.requiresGrad = true;
    let refs: WeakRef<Tensor>[] = [];
    const loss = (() => {
      const h = randn([2, 3], { dtype: 'float64', seed: 2 }).matmul(w);
      const e = h.exp();
      refs = [new WeakRef(h), new WeakRef(e)];
      return e.mul(h).sum();
    })();
    await collect();
    expect(refs.every((r) => r.deref() !== undefined)).toBe(true); // the graph holds them
    backward(loss);
    await collect();
    expect(refs.every((r) => r.deref() === undefined)).toBe(true);
    expect(loss.isDisposed).toBe(false);
  });

  it('valueAndGrad releases the graph behind the value it returns', async () => {
    let ref: WeakRef<Tensor> | undefined;
    const f = (x: Tensor) => {
      const h = x.exp();
      ref = new WeakRef(h);
      return h.mul(x).sum();
    };
    const [value] = valueAndGrad(f)(randn([4], { dtype: 'float64', seed: 3 }));
    await collect();
    expect(ref?.deref()).toBeUndefined();
    expect(value.isDisposed).toBe(false);
  });

  it('grad(f)(x) adds only its result to the live tensors once garbage is collected', async () => {
    const x = randn([2, 3], { dtype: 'float64', seed: 4 });
    const w = randn([3, 4], { dtype: 'float64', seed: 5 });
    await collect();
    const before = live();
    let g: Tensor | undefined = grad(model, { argnums: 0 })(w, x) as Tensor;
    await collect();
    expect(live() - before).toBe(1);
    expect(g.shape).toEqual([3, 4]);
    g = undefined;
  });
});
