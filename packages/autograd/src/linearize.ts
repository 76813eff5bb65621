/**
 * `linearize`: evaluate f once, keep its recorded tape, and return the linear map v -> J v.
 *
 * How: f runs at a fresh tape level (as under vjp), so every primitive on the way from the
 * arguments to the outputs is a node. The returned function walks those nodes in forward
 * (topological) order and pushes tangents through them with the JVP table (jvp-rules.ts), the
 * same rules as jvp; customJvp outputs use their hand-written rule. It does not re-run f's primal
 * ops, and it does not use the transpose trick (vjp of the pullback).
 */

import { dispatch, type Prim, type Tensor, TensorError, tidy, zerosLike } from '@webgrad/tensor';
import { BatchTracer } from './batch-tracer.js';
import { customJvpOf } from './custom-jvp.js';
import { fitTangent } from './forward.js';
import { checkTangent } from './jvp.js';
import { JVP_RULES, type Jvp } from './jvp-rules.js';
import { type Flat, flatten, type PyTree } from './pytree.js';
import { closeLevel, isTraced, type Node, nodeOf, openLevel, unwatch, watch } from './tape.js';

/** The operands a node's tangent depends on: a customJvp output depends on the call's inputs. */
function operandsOf(node: Node): readonly Tensor[] {
  return customJvpOf(node.output)?.xs ?? node.inputs;
}

/** The nodes at `level` that the roots depend on, each after the nodes that produce its operands. */
function forwardOrder(roots: readonly Tensor[], level: number): Node[] {
  const at = (t: Tensor) => {
    const n = nodeOf(t);
    return n?.levels.includes(level) ? n : undefined;
  };
  const order: Node[] = [];
  const seen = new Set<Node>();
  for (const root of roots) {
    const first = at(root);
    if (!first || seen.has(first)) continue;
    seen.add(first);
    const stack: { node: Node; next: number }[] = [{ node: first, next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { node: Node; next: number };
      const operands = operandsOf(top.node);
      if (top.next < operands.length) {
        const n = at(operands[top.next++] as Tensor);
        if (n && !seen.has(n)) {
          seen.add(n);
          stack.push({ node: n, next: 0 });
        }
      } else {
        stack.pop();
        order.push(top.node);
      }
    }
  }
  return order;
}

function tangentOfNode(node: Node, tangents: Map<Tensor, Tensor>): Tensor | undefined {
  const custom = customJvpOf(node.output);
  if (custom) {
    const ts = custom.xs.map((x) => tangents.get(x));
    if (ts.every((t) => t === undefined)) return undefined;
    const full = custom.xs.map((x, i) => ts[i] ?? zerosLike(x));
    return fitTangent(custom.name, node.output, custom.rule(full, node.output, ...custom.xs));
  }
  const ts = node.inputs.map((x) => tangents.get(x));
  if (ts.every((t) => t === undefined)) return undefined;
  if (node.prim === 'custom') {
    throw new TensorError(
      'value',
      `linearize: the customVjp op '${node.name ?? 'anonymous'}' has no forward-mode rule; wrap it with customJvp to give one, or use vjp`,
    );
  }
  const rule = JVP_RULES[node.prim] as Jvp<Prim>;
  return fitTangent(node.prim, node.output, rule(ts as never, node.output, node.inputs as never, node.attrs as never));
}

/**
 * Evaluates f at `primals` once and returns [out, fJvp], where fJvp(...tangents) = J v, the
 * derivative of f at `primals` along `tangents` (one per primal, same structure), shaped like
 * out. fJvp may be called many times; it replays the recorded tape with the JVP table instead of
 * re-running f. Composes with grad/vjp (the replay's ops are recorded by enclosing levels).
 * @example
 *   const [y, fJvp] = linearize((x: Tensor) => x.sin().mul(x), x);
 *   const dy1 = fJvp(v1); const dy2 = fJvp(v2);
 */
export function linearize<Out extends PyTree>(
  // biome-ignore lint/suspicious/noExplicitAny: transforms accept functions of any arguments.
  f: (...args: any[]) => Out,
  ...primals: unknown[]
): [Out, (...tangents: unknown[]) => Out] {
  const level = openLevel();
  const flats: Flat[] = primals.map((p, i) => flatten(p, `linearize primal ${i}`));
  const aliases: Tensor[][] = [];
  let out: Out;
  try {
    const args = flats.map((flat, i) => {
      const as = flat.leaves.map((x, j) => {
        checkTangent('linearize', x, x, `primal ${i} (leaf ${j})`);
        const a = dispatch('reshape', [x], { shape: [...x.shape] });
        watch(a, level);
        return a;
      });
      aliases.push(as);
      return flat.unflatten(as);
    });
    out = f(...args);
  } finally {
    closeLevel(level);
    for (const as of aliases) for (const a of as) unwatch(a, level);
  }
  const outFlat = flatten(out, 'linearize output');
  const order = forwardOrder(outFlat.leaves, level);
  const fJvp = (...tangents: unknown[]): Out => {
    if (tangents.length !== primals.length) {
      throw new TensorError(
        'value',
        `linearize: expected ${primals.length} tangents (one per primal), got ${tangents.length}`,
      );
    }
    const map = new Map<Tensor, Tensor>();
    tangents.forEach((t, i) => {
      const leaves = flatten(t, `linearize tangent ${i}`).leaves;
      const as = aliases[i] as Tensor[];
      if (leaves.length !== as.length) {
        throw new TensorError('value', `linearize: tangent ${i} has ${leaves.length} tensors, its primal ${as.length}`);
      }
      leaves.forEach((v, j) => {
        checkTangent('linearize', as[j] as Tensor, v, `primal ${i} (leaf ${j})`);
        map.set(as[j] as Tensor, v);
      });
    });
    const replay = () => {
      for (const node of order) {
        const t = tangentOfNode(node, map);
        if (t) map.set(node.output, t);
      }
      return outFlat.leaves.map((o) => map.get(o) ?? zerosLike(o));
    };
    // When no open level (or vmap) sees the replay's operands, its intermediate tangents are
    // garbage once it returns: freed at once.
    const seen = (x: Tensor) => isTraced(x) || x instanceof BatchTracer;
    const quiet = ![...map.values()].some(seen) && !order.some((n) => n.inputs.some(seen));
    return outFlat.unflatten(quiet ? tidy(replay) : replay()) as Out;
  };
  return [out, fJvp];
}
