/**
 * Parameter trees: a Tensor, or nested arrays and plain objects of Tensors. `flatten` lists the
 * leaves in a fixed order (arrays by index, objects by key insertion order) and returns an
 * `unflatten` that rebuilds the same structure from new leaves (e.g. the gradients).
 */
import { Tensor, TensorError } from '@webgrad/tensor';

/** A Tensor or nested arrays/objects of Tensors. */
export type PyTree = Tensor | readonly PyTree[] | { readonly [key: string]: PyTree };

export interface Flat {
  leaves: Tensor[];
  /** The tree with its leaves replaced, in order, by `leaves`. */
  unflatten(leaves: readonly Tensor[]): PyTree;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

type Builder = (next: () => Tensor) => PyTree;

function build(tree: unknown, path: string, leaves: Tensor[], op: string): Builder {
  if (tree instanceof Tensor) {
    leaves.push(tree);
    return (next) => next();
  }
  if (Array.isArray(tree)) {
    const parts = tree.map((v, i) => build(v, `${path}[${i}]`, leaves, op));
    return (next) => parts.map((p) => p(next));
  }
  if (isPlainObject(tree)) {
    const parts = Object.entries(tree).map(([k, v]) => [k, build(v, `${path}.${k}`, leaves, op)] as const);
    return (next) => Object.fromEntries(parts.map(([k, p]) => [k, p(next)]));
  }
  const what = tree === null ? 'null' : typeof tree === 'object' ? (tree.constructor?.name ?? 'object') : typeof tree;
  throw new TensorError(
    'value',
    `${op}: ${path || 'the argument'} is a ${what}; differentiable arguments are Tensors or nested arrays/plain objects of Tensors`,
  );
}

/**
 * Lists the Tensors of a tree.
 * @example const { leaves, unflatten } = flatten({ w: w, b: [b] }); unflatten(leaves.map((t) => t.mul(2)));
 */
export function flatten(tree: unknown, op = 'flatten'): Flat {
  const leaves: Tensor[] = [];
  const builder = build(tree, '', leaves, op);
  return {
    leaves,
    unflatten(values) {
      if (values.length !== leaves.length) {
        throw new TensorError('value', `${op}: expected ${leaves.length} leaves, got ${values.length}`);
      }
      let i = 0;
      return builder(() => values[i++] as Tensor);
    },
  };
}
