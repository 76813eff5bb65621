/**
 * Saved-tensor version checks, as in PyTorch: a node remembers the `version` of its inputs and
 * output when it is recorded; while a backward rule runs, every op it performs on one of those
 * tensors checks that the version is unchanged. A rule that reads a tensor `assign()`-ed since
 * the forward pass would otherwise compute the gradient at the new values, silently. Checking the
 * ops the rule really performs (not every saved tensor) means only the tensors a rule reads
 * count: the inputs of `add` may be reassigned freely, those of `mul` may not.
 */
import { addObserver, type OpRecord, type Tensor, TensorError } from '@webgrad/tensor';
import type { Node } from './tape.js';

/** The node whose rule is running (innermost), or undefined outside backward rules. */
let running: Node | undefined;
let installed = false;

function fmt(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

function modifiedError(node: Node, t: Tensor, what: string, saved: number): TensorError {
  const op = node.prim === 'custom' ? 'a customVjp function' : node.prim;
  return new TensorError(
    'value',
    `backward: a tensor needed for gradient computation has been modified by an in-place operation: ` +
      `the ${fmt(t)} tensor saved as ${what} of ${op} is at version ${t.version}, but ${op} saved it at version ${saved} ` +
      `(assign() changed it after the forward pass used it). Call assign() only after backward (as optimizers do), ` +
      `or give the forward a copy (t.clone()), or run the forward again after the update.`,
  );
}

function checkOperands(record: OpRecord): void {
  const node = running;
  if (!node) return;
  for (const t of record.inputs) {
    const n = node.inputs.length;
    if (t === node.output && t.version !== node.versions[n]) {
      throw modifiedError(node, t, 'the output', node.versions[n] as number);
    }
    const i = node.inputs.indexOf(t);
    if (i >= 0 && t.version !== node.versions[i])
      throw modifiedError(node, t, `input #${i}`, node.versions[i] as number);
  }
}

/** Runs `node`'s rule (`fn`), raising if it reads a saved tensor that was assigned since. */
export function withSavedChecked<T>(node: Node, fn: () => T): T {
  if (!installed) {
    installed = true;
    addObserver({ onOp: checkOperands });
  }
  const outer = running;
  running = node;
  try {
    return fn();
  } finally {
    running = outer;
  }
}
