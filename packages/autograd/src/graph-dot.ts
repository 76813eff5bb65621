/**
 * `toDot`: a computation graph as Graphviz DOT text. One box per recorded op (its primitive,
 * attributes, and the output's shape, dtype and device), one ellipse per leaf (an input, a
 * parameter, a constant), arrows in the forward direction; with `grads`, each tensor also shows
 * the cotangent the backward pass brings it. Render it with `dot -Tsvg` (`toSvg` in
 * `@webgrad/autograd/graphviz`, Node only) or any Graphviz viewer.
 */
import { Tensor, TensorError, tidy } from '@webgrad/tensor';
import { type CollectedGraph, collectRecorded, collectTraced, type GraphVertex } from './graph-collect.js';

/** What `toDot` draws besides ops and shapes. */
export interface DotOptions {
  /**
   * Run a backward pass seeded with ones (the gradient of `out.sum()`) and show on every tensor
   * the cotangent that reaches it. It neither fills `.grad` nor releases a recorded graph.
   */
  grads?: boolean;
  /** Show the values of tensors (and cotangents) with at most `maxValues` elements; CPU only. */
  values?: boolean;
  /** The most elements shown per tensor with `values` (default 6). */
  maxValues?: number;
  /**
   * Names for leaves: a record or [name, tensor] pairs, e.g. `model.namedParameters()`. The
   * inputs of `toDot(f, ...inputs)` are looked up by the tensors passed in.
   */
  names?: Record<string, Tensor> | Iterable<readonly [string, Tensor]>;
  /** Layout direction: 'TB' top to bottom (default), 'LR' left to right. */
  rankdir?: 'TB' | 'LR';
}

/** A string as a DOT double-quoted string (backslashes, quotes and line breaks escaped). */
export function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

function meta(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype} ${t.device}`;
}

function attrText(attrs: unknown): string {
  if (!attrs || typeof attrs !== 'object') return '';
  const parts = Object.entries(attrs as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const text = parts.join(' ');
  return text.length > 48 ? `${text.slice(0, 47)}…` : text;
}

function valuesText(t: Tensor, max: number): string | undefined {
  if (t.size > max) return undefined;
  if (t.device !== 'cpu') {
    throw new TensorError('device', `toDot: values are read synchronously, from CPU tensors only; got ${meta(t)}`);
  }
  const vs = Array.from(t.dataSync(), (v) => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))));
  return t.ndim === 0 ? (vs[0] as string) : `[${vs.join(', ')}]`;
}

function nameTable(names: DotOptions['names']): Map<Tensor, string> {
  const table = new Map<Tensor, string>();
  if (!names) return table;
  const pairs = Symbol.iterator in names ? names : Object.entries(names);
  for (const [name, t] of pairs as Iterable<readonly [string, Tensor]>) table.set(t, name);
  return table;
}

function label(v: GraphVertex, title: string, opts: DotOptions): string {
  const max = opts.maxValues ?? 6;
  const lines = [title];
  const attrs = v.node ? attrText(v.node.attrs) : '';
  if (attrs) lines.push(attrs);
  lines.push(meta(v.tensor));
  const value = opts.values ? valuesText(v.tensor, max) : undefined;
  if (value) lines.push(`= ${value}`);
  if (v.grad) {
    lines.push(`grad [${v.grad.shape.join(', ')}]`);
    const g = opts.values ? valuesText(v.grad, max) : undefined;
    if (g) lines.push(`grad = ${g}`);
  }
  return lines.join('\n');
}

function print(graph: CollectedGraph, opts: DotOptions, originals: readonly Tensor[]): string {
  const names = nameTable(opts.names);
  const ids = new Map<Tensor, string>(graph.vertices.map((v, i) => [v.tensor, `t${i}`]));
  const out = [
    `digraph webgrad {`,
    `  rankdir=${opts.rankdir ?? 'TB'};`,
    `  node [fontname="Helvetica", fontsize=10];`,
  ];
  const edges: string[] = [];
  for (const v of graph.vertices) {
    const id = ids.get(v.tensor) as string;
    const pos = graph.inputs.indexOf(v.tensor);
    const name = names.get(pos >= 0 ? (originals[pos] as Tensor) : v.tensor);
    let title: string;
    if (v.kind === 'op') title = v.node?.prim ?? '?';
    else if (v.kind === 'input') title = `${name ?? `x${pos}`} (input ${pos})`;
    else title = name ? `${name} (${v.kind})` : v.kind;
    const shape = v.kind === 'op' ? 'box' : 'ellipse';
    const style = v.kind === 'op' ? '' : `, style=filled, fillcolor="${v.kind === 'const' ? '#eeeeee' : '#dbe9f6'}"`;
    const ring = v.tensor === graph.output ? ', peripheries=2' : '';
    out.push(`  ${id} [label=${dotString(label(v, title, opts))}, shape=${shape}${style}${ring}];`);
    const inputs = v.node?.inputs ?? [];
    inputs.forEach((x, i) => {
      const arrow = inputs.length > 1 ? ` [label="${i}"]` : '';
      edges.push(`  ${ids.get(x)} -> ${id}${arrow};`);
    });
  }
  return [...out, ...edges, '}', ''].join('\n');
}

/**
 * The computation graph of `output` recorded by tensors with `requiresGrad` (after a
 * PyTorch-style forward), or of `f(...inputs)` traced now, as Graphviz DOT text. The last
 * argument after the inputs may be a {@link DotOptions}. Nothing it computes outlives the call.
 * @example
 *   const dot = toDot((x: Tensor) => x.mul(x).sum(), tensor([1, 2, 3]), { grads: true });
 * @example
 *   w.requiresGrad = true; const loss = w.tanh().sum();
 *   console.log(toDot(loss, { names: { w } }));
 */
export function toDot(output: Tensor, opts?: DotOptions): string;
export function toDot(f: (...xs: Tensor[]) => Tensor, ...inputs: Tensor[]): string;
export function toDot(f: (...xs: Tensor[]) => Tensor, ...inputsThenOptions: [...Tensor[], DotOptions]): string;
export function toDot(
  what: Tensor | ((...xs: Tensor[]) => Tensor),
  ...rest: (Tensor | DotOptions | undefined)[]
): string {
  const last = rest[rest.length - 1];
  const isOpts = rest.length > 0 && !(last instanceof Tensor);
  const opts = (isOpts ? (last ?? {}) : {}) as DotOptions;
  const inputs = (isOpts ? rest.slice(0, -1) : rest) as Tensor[];
  return tidy(() => {
    if (typeof what !== 'function') return print(collectRecorded(what, opts.grads === true), opts, []);
    if (inputs.length === 0) throw new TensorError('value', 'toDot: pass the inputs after the function, toDot(f, x)');
    return print(collectTraced(what, inputs, opts.grads === true), opts, inputs);
  });
}
