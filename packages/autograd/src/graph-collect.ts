/**
 * Collects a recorded computation graph for `toDot` (graph-dot.ts): the tape's nodes reachable
 * from an output at one level, in forward order, plus the leaves they start from, and (on request)
 * the cotangent that reaches every tensor when a backward pass is run from the output.
 */
import { dispatch, isFloat, onesLike, Tensor, TensorError } from '@webgrad/tensor';
import { runBackward } from './backward.js';
import { closeLevel, type Node, nodeOf, openLevel, reopenLevel, unwatch, watch } from './tape.js';

/** A tensor of the graph: an op's output, or a leaf (a traced input, a parameter, a constant). */
export interface GraphVertex {
  readonly tensor: Tensor;
  /** The recorded op that made it; undefined for leaves. */
  readonly node?: Node;
  /** 'input' (a toDot(f, ...) argument), 'param' (requiresGrad), 'const' (anything else). */
  readonly kind: 'op' | 'input' | 'param' | 'const';
  /** The cotangent that reached it in the backward pass (with `grads`). */
  readonly grad?: Tensor;
}

export interface CollectedGraph {
  /** Every tensor of the graph, each after the tensors it was computed from. */
  readonly vertices: readonly GraphVertex[];
  readonly output: Tensor;
  /** The traced inputs of toDot(f, ...inputs), by position (their aliases; empty for a recorded graph). */
  readonly inputs: readonly Tensor[];
}

function fmt(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

/**
 * The tensors reachable from `root` through nodes at `level` (not through `stop`), each after the
 * tensors it was computed from, and the node of each op among them.
 */
function forwardOrder(
  root: Tensor,
  level: number,
  stop: ReadonlySet<Tensor>,
): { order: Tensor[]; ops: Map<Tensor, Node> } {
  const order: Tensor[] = [];
  const ops = new Map<Tensor, Node>();
  const nodeAt = (t: Tensor): Node | undefined => {
    const n = stop.has(t) ? undefined : nodeOf(t);
    return n?.levels.includes(level) ? n : undefined;
  };
  const seen = new Set<Tensor>([root]);
  const stack: { t: Tensor; node: Node | undefined; next: number }[] = [{ t: root, node: nodeAt(root), next: 0 }];
  // An explicit stack (deep graphs would overflow a recursion): post-order is forward order.
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { t: Tensor; node: Node | undefined; next: number };
    const inputs = top.node?.inputs ?? [];
    if (top.next < inputs.length) {
      const x = inputs[top.next++] as Tensor;
      if (!seen.has(x)) {
        seen.add(x);
        stack.push({ t: x, node: nodeAt(x), next: 0 });
      }
    } else {
      stack.pop();
      order.push(top.t);
      if (top.node) ops.set(top.t, top.node);
    }
  }
  return { order, ops };
}

function vertices(
  { order, ops }: { order: Tensor[]; ops: Map<Tensor, Node> },
  inputs: ReadonlySet<Tensor>,
  grads?: Map<Tensor, Tensor>,
): GraphVertex[] {
  return order.map((t) => {
    const node = ops.get(t);
    const grad = grads?.get(t);
    const base = { tensor: t, ...(grad ? { grad } : {}) };
    if (node) return { ...base, node, kind: 'op' as const };
    return {
      ...base,
      kind: inputs.has(t) ? ('input' as const) : t.requiresGrad ? ('param' as const) : ('const' as const),
    };
  });
}

/** Every cotangent of the pass from `root` (seeded with ones) at `level`, which the caller closed. */
function allCotangents(root: Tensor, level: number, release: boolean): Map<Tensor, Tensor> {
  if (!isFloat(root.dtype)) throw new TensorError('dtype', `toDot: cannot differentiate a ${fmt(root)} output`);
  return runBackward({ root, seed: onesLike(root), level, isTarget: () => true, release }).grads;
}

/**
 * The graph recorded for `root` by tensors with `requiresGrad` (level 0, PyTorch style). With
 * `grads`, runs a backward pass that neither fills `.grad` nor releases the graph.
 */
export function collectRecorded(root: Tensor, grads: boolean): CollectedGraph {
  if (!nodeOf(root)?.levels.includes(0) && !root.requiresGrad) {
    throw new TensorError(
      'value',
      `toDot: ${fmt(root)} has no recorded graph: no tensor with requiresGrad = true went into it, or backward() already released it; pass the function and its inputs instead, toDot(f, x)`,
    );
  }
  const walk = forwardOrder(root, 0, new Set());
  if (!grads) return { vertices: vertices(walk, new Set()), output: root, inputs: [] };
  closeLevel(0);
  try {
    return { vertices: vertices(walk, new Set(), allCotangents(root, 0, false)), output: root, inputs: [] };
  } finally {
    reopenLevel(0);
  }
}

/**
 * Runs `f(...inputs)` at a fresh level that watches aliases of the inputs (as vjp does) and
 * collects what it recorded. The caller runs this inside `tidy`: every tensor made here is temporary.
 */
export function collectTraced(
  f: (...xs: Tensor[]) => Tensor,
  inputs: readonly Tensor[],
  grads: boolean,
): CollectedGraph {
  const level = openLevel();
  const aliases: Tensor[] = [];
  let open = true;
  try {
    inputs.forEach((t, i) => {
      if (!isFloat(t.dtype))
        throw new TensorError('dtype', `toDot: input ${i} is ${fmt(t)}; only float inputs are traced`);
      const a = dispatch('reshape', [t], { shape: [...t.shape] });
      watch(a, level);
      aliases.push(a);
    });
    const output: unknown = f(...aliases);
    if (!(output instanceof Tensor) || !nodeOf(output)) {
      throw new TensorError('value', 'toDot: f must return a Tensor computed (by at least one op) from its inputs');
    }
    closeLevel(level);
    open = false;
    const stop = new Set(aliases);
    const walk = forwardOrder(output, level, stop);
    const cot = grads ? allCotangents(output, level, true) : undefined;
    return { vertices: vertices(walk, stop, cot), output, inputs: aliases };
  } finally {
    if (open) closeLevel(level);
    for (const a of aliases) unwatch(a, level);
  }
}
