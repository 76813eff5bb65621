/**
 * The backward engine: order the recorded nodes topologically (an explicit stack, never one
 * recursion per path), walk them from the output back to the targets, call each node's rule and
 * accumulate (+=) cotangents of tensors used more than once (diamonds). One generic
 * `unbroadcast` sums every cotangent back to its input's shape. The cotangents' lifetimes (what
 * may be freed when) live in cotangents.ts.
 */
import { isFloat, reshape, sum, type Tensor, TensorError, tidy } from '@webgrad/tensor';
import { Cotangents } from './cotangents.js';
import { type Cotangent, RULES, type Vjp } from './rules.js';
import { withSavedChecked } from './saved-versions.js';
import { deleteNode, hasLiveLevel, hasOpenLevel, hasTangent, isTraced, type Node, nodeOf } from './tape.js';

function fmt(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

/**
 * Sums `g` over the axes along which a tensor of `shape` was broadcast (leading axes, and axes
 * where `shape` has 1), so that the result has exactly `shape`.
 * @example unbroadcast(ones([4, 2, 3]), [2, 1]) // [2, 1] filled with 12
 */
export function unbroadcast(g: Tensor, shape: readonly number[]): Tensor {
  if (g.ndim === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    const d = i < lead ? undefined : shape[i - lead];
    if (d === undefined || (d === 1 && g.shape[i] !== 1)) axes.push(i);
    else if (d !== g.shape[i]) {
      throw new TensorError('shape', `backward: a cotangent of shape [${g.shape}] does not broadcast from [${shape}]`);
    }
  }
  return reshape(sum(g, axes, true), shape);
}

export interface BackwardRequest {
  /** The tensor differentiated, and its cotangent (same shape). */
  root: Tensor;
  seed: Tensor;
  /** The level walked: only nodes carrying it are visited. The caller has closed it. */
  level: number;
  /** Tensors whose cotangents are wanted (they stop nothing: their own nodes are still walked). */
  isTarget(t: Tensor): boolean;
  /** Drop the walked level from the nodes, and nodes no open level needs (the graph is released). */
  release: boolean;
  /** The seed was made for this call and may be freed once consumed. */
  ownSeed?: boolean;
}

export interface BackwardResult {
  grads: Map<Tensor, Tensor>;
  /** The targets met, in discovery order. */
  targets: Tensor[];
}

function relevant(t: Tensor, level: number): Node | undefined {
  const n = nodeOf(t);
  return n?.levels.includes(level) ? n : undefined;
}

/** Nodes reachable from `root` at `level`, each after every node that consumes its output. */
function topoOrder(root: Node, level: number): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>([root]);
  const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { node: Node; next: number };
    if (top.next < top.node.inputs.length) {
      const n = relevant(top.node.inputs[top.next++] as Tensor, level);
      if (n && !seen.has(n)) {
        seen.add(n);
        stack.push({ node: n, next: 0 });
      }
    } else {
      stack.pop();
      order.push(top.node);
    }
  }
  return order.reverse();
}

function cotangentsOf(node: Node, g: Tensor): Cotangent[] {
  if (node.custom) {
    const { custom, inputs, output } = node;
    const gs = custom(g, output, ...inputs);
    if (!Array.isArray(gs) || gs.length > inputs.length) {
      throw new TensorError('value', `customVjp: backward must return an array of at most ${inputs.length} cotangents`);
    }
    return inputs.map((_, i) => {
      const gi = gs[i];
      return gi === undefined ? undefined : () => gi;
    });
  }
  const rule = RULES[node.prim as keyof typeof RULES] as Vjp<never>;
  return rule(g, node.output, node.inputs as never, node.attrs as never);
}

/** A clear error when a rule needed a tensor that tidy/dispose freed before backward ran. */
function disposedError(node: Node, g: Tensor, cause: unknown): TensorError {
  const parts = node.inputs.map((t, i) => ({ t, what: `input #${i}` }));
  parts.push({ t: node.output, what: 'output' }, { t: g, what: 'incoming cotangent' });
  const culprit = parts.find((p) => p.t.isDisposed);
  const which = culprit ? `its ${culprit.what} ${fmt(culprit.t)}` : 'one of its tensors';
  return new TensorError(
    'disposed',
    `backward: ${node.prim} needs ${which}, which was disposed before backward ran; keep the forward and the backward in the same tidy (or keep() the tensors the graph uses)`,
    { cause },
  );
}

/**
 * Runs reverse mode from `root` and returns the cotangents of the targets: the chain-rule loop.
 * Which cotangents live and which are freed is the business of `Cotangents` (cotangents.ts).
 */
export function runBackward(req: BackwardRequest): BackwardResult {
  const { root, seed, level, isTarget } = req;
  const targets: Tensor[] = [];
  const rootNode = relevant(root, level);
  if (isTarget(root)) targets.push(root);
  if (!rootNode) return { grads: new Map([[root, seed]]), targets };
  const cotangents = new Cotangents(root, seed, req.ownSeed === true);

  const order = topoOrder(rootNode, level);
  for (const node of order) {
    const g = cotangents.get(node.output);
    if (!g) continue;
    const needs = node.inputs.map((t) => isFloat(t.dtype) && (isTarget(t) || relevant(t, level) !== undefined));
    // When no open level can see this step, its temporaries are freed at once (tidy). An input
    // with a jvp tangent (forward-over-reverse) makes the step's results carry tangents too.
    const recording = isTraced(g) || hasOpenLevel(node) || node.inputs.some(hasTangent);
    if (recording) cotangents.pin(g);
    const compute = () =>
      cotangentsOf(node, g).map((c, i) => {
        const x = node.inputs[i] as Tensor;
        if (!c || !needs[i]) return undefined;
        const gi = c();
        if (gi.dtype !== x.dtype) {
          throw new TensorError(
            'dtype',
            `backward: ${node.prim} produced a ${gi.dtype} cotangent for a ${fmt(x)} input`,
          );
        }
        return unbroadcast(gi, x.shape);
      });
    let gs: (Tensor | undefined)[];
    try {
      gs = withSavedChecked(node, () => (recording ? compute() : tidy(compute)));
    } catch (e) {
      if (e instanceof TensorError && e.kind === 'disposed') throw disposedError(node, g, e);
      throw e;
    }
    gs.forEach((gi, i) => {
      if (!gi) return;
      const x = node.inputs[i] as Tensor;
      if (isTarget(x) && !targets.includes(x)) targets.push(x);
      cotangents.accumulate(x, gi);
    });
    if (!isTarget(node.output)) cotangents.drop(node.output);
  }
  if (req.release) releaseGraph(order, level);
  return { grads: cotangents.grads, targets };
}

/** Removes `level` from the walked nodes and forgets nodes that no open level needs any more. */
function releaseGraph(order: readonly Node[], level: number): void {
  for (const node of order) {
    node.levels = node.levels.filter((l) => l !== level);
    if (!hasLiveLevel(node)) deleteNode(node.output);
  }
}
