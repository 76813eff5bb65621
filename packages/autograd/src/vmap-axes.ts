/**
 * inAxes / outAxes for vmap, as in JAX: a number (negative counts from the end), null (not
 * batched), or a prefix of the argument's (or output's) tree: an array or object whose leaves
 * give the axis of every Tensor below them.
 */
import { Tensor, TensorError } from '@webgrad/tensor';

/** The batch axis of every Tensor in a tree, given by a prefix of that tree. */
export type AxisSpec = number | null | readonly AxisSpec[] | { readonly [key: string]: AxisSpec };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}

/**
 * Rebuilds `tree` with every Tensor replaced by `leaf(t, axis, path)`, where `axis` comes from
 * the prefix `spec`. Non-Tensor leaves are kept as they are where the axis is null.
 * @example mapAxes([x, { w }], [0, { w: null }], 'inAxes', 'arguments', (t, a) => a)
 */
export function mapAxes(
  tree: unknown,
  spec: AxisSpec | undefined,
  what: string,
  path: string,
  leaf: (t: Tensor, axis: number | null, path: string) => unknown,
): unknown {
  if (spec === undefined) {
    throw new TensorError(
      'value',
      `vmap: ${what} gives no axis for ${path}; its structure must be a prefix of the tree`,
    );
  }
  if (spec === null || typeof spec === 'number') {
    if (spec !== null && !Number.isInteger(spec)) {
      throw new TensorError('value', `vmap: ${what} ${spec} for ${path} is not an integer axis (or null)`);
    }
    if (tree instanceof Tensor) return leaf(tree, spec, path);
    if (Array.isArray(tree)) return tree.map((v, i) => mapAxes(v, spec, what, `${path}[${i}]`, leaf));
    if (isPlainObject(tree)) {
      return Object.fromEntries(
        Object.entries(tree).map(([k, v]) => [k, mapAxes(v, spec, what, `${path}.${k}`, leaf)]),
      );
    }
    if (spec === null) return tree;
    throw new TensorError(
      'value',
      `vmap: ${what} gives axis ${spec} to ${path}, which is ${describe(tree)}, not a Tensor; give it null`,
    );
  }
  if (Array.isArray(spec)) {
    if (!Array.isArray(tree) || tree.length !== spec.length) {
      throw new TensorError(
        'value',
        `vmap: ${what} has an array of ${spec.length} for ${path}, which is ${describe(tree)}; the structures must match`,
      );
    }
    return tree.map((v, i) => mapAxes(v, spec[i], what, `${path}[${i}]`, leaf));
  }
  if (!isPlainObject(tree)) {
    throw new TensorError('value', `vmap: ${what} has an object for ${path}, which is ${describe(tree)}`);
  }
  const specKeys = Object.keys(spec);
  const extra = specKeys.filter((k) => !(k in tree));
  if (extra.length > 0) {
    throw new TensorError('value', `vmap: ${what} names ${extra.join(', ')} under ${path}, which has no such keys`);
  }
  const keyed = spec as { readonly [key: string]: AxisSpec };
  return Object.fromEntries(
    Object.entries(tree).map(([k, v]) => [k, mapAxes(v, keyed[k], what, `${path}.${k}`, leaf)]),
  );
}

/** `axis` in [0, rank) from a possibly negative axis; an 'shape' error names where it came from. */
export function normalizeBatchAxis(axis: number, rank: number, what: string, path: string, shape: string): number {
  if (axis < -rank || axis >= rank) {
    const valid = rank === 0 ? 'a 0-d tensor has no axis to batch over' : `valid: ${-rank} to ${rank - 1}`;
    throw new TensorError('shape', `vmap: ${what} ${axis} is out of range for ${path} of shape ${shape} (${valid})`);
  }
  return axis < 0 ? axis + rank : axis;
}
