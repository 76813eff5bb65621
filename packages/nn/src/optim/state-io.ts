/**
 * Optimizer state <-> a flat safetensors record, so a run can resume exactly from disk: buffers
 * become tensors named `state.<paramIndex>.<buffer>`, step counts and hyperparameters go to the
 * `optimizer` metadata entry as JSON.
 */
import type { Tensor } from '@webgrad/tensor';
import { TensorError } from '@webgrad/tensor';
import type { OptimizerStateDict } from './optimizer.js';

/**
 * @example
 *   const { tensors, metadata } = flattenOptimizerState(opt.stateDict());
 *   await saveSafetensors('opt.safetensors', tensors, metadata);
 */
export function flattenOptimizerState<H>(sd: OptimizerStateDict<H>): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  const tensors: Record<string, Tensor> = {};
  const steps: Record<string, number> = {};
  for (const [i, s] of Object.entries(sd.state)) {
    steps[i] = s.step;
    for (const [name, b] of Object.entries(s.buffers)) tensors[`state.${i}.${name}`] = b;
  }
  return { tensors, metadata: { optimizer: JSON.stringify({ steps, paramGroups: sd.paramGroups }) } };
}

/**
 * The inverse of `flattenOptimizerState`.
 * @example opt.loadStateDict(unflattenOptimizerState(await loadSafetensors(p), await readSafetensorsMetadata(p)));
 */
export function unflattenOptimizerState<H>(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string>,
): OptimizerStateDict<H> {
  const json = metadata.optimizer;
  if (json === undefined) throw new TensorError('value', "unflattenOptimizerState: metadata has no 'optimizer' entry");
  const { steps, paramGroups } = JSON.parse(json) as {
    steps: Record<string, number>;
    paramGroups: OptimizerStateDict<H>['paramGroups'];
  };
  const state: OptimizerStateDict<H>['state'] = {};
  for (const [i, step] of Object.entries(steps)) state[Number(i)] = { step, buffers: {} };
  for (const [key, t] of Object.entries(tensors)) {
    const m = /^state\.(\d+)\.(\w+)$/.exec(key);
    const entry = m ? state[Number(m[1])] : undefined;
    if (!m || !entry) throw new TensorError('value', `unflattenOptimizerState: unexpected tensor '${key}'`);
    entry.buffers[m[2] as string] = t;
  }
  return { state, paramGroups };
}
