/** Calling a module with substituted parameters: the bridge from modules to functional autodiff. */
import type { Tensor } from '@webgrad/tensor';
import { TensorError } from '@webgrad/tensor';
import type { Module } from './module.js';

/**
 * Runs `fn(module)` with the named parameters/buffers temporarily replaced by `params` (as
 * torch.func.functional_call), restoring the originals afterwards even if `fn` throws. This lets
 * `grad`/`gradcheck` differentiate a module with respect to tensors they own.
 * @example
 *   const f = (w: Tensor, x: Tensor) => functionalCall(lin, { weight: w }, (m) => m.forward(x));
 *   await gradcheck(f, [lin.weight, x]);
 */
export function functionalCall<M extends Module, R>(module: M, params: Record<string, Tensor>, fn: (m: M) => R): R {
  const slots = new Map(module.slots());
  const restore: [Record<string | number, unknown>, string | number, unknown][] = [];
  try {
    for (const [name, value] of Object.entries(params)) {
      const slot = slots.get(name);
      if (!slot)
        throw new TensorError(
          'value',
          `functionalCall: ${module.constructor.name} has no parameter or buffer '${name}'`,
        );
      restore.push([slot.owner, slot.key, slot.owner[slot.key]]);
      slot.owner[slot.key] = value;
    }
    return fn(module);
  } finally {
    for (const [owner, key, old] of restore.reverse()) owner[key] = old;
  }
}
