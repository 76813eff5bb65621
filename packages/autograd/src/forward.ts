/**
 * The forward-mode engine: a dispatch observer, like the tape, that pushes tangents through every
 * primitive as it runs (eager forward mode; nothing is recorded).
 *
 * Each `jvp` call opens a level (an id from the tape's counter, so grad and jvp levels are
 * ordered together) holding a WeakMap tensor -> tangent. When a primitive's inputs carry tangents
 * at an open level L, the output's tangent is computed with the JVP table (jvp-rules.ts) while
 * L and every level opened after it are suspended (tape.ts withLevelsFromSuspended): the
 * tangent's own ops are then seen by the levels opened before L only. That is JAX's nesting
 * order, and it is what makes jvp of jvp, jvp of grad (forward-over-reverse) and grad of jvp work,
 * without perturbation confusion: the arguments of each jvp are fresh aliases, so the same tensor
 * passed to two nested jvps is two distinct variables.
 */
import {
  addObserver,
  expand,
  isFloat,
  type OpRecord,
  type Prim,
  type Tensor,
  TensorError,
  tidy,
} from '@webgrad/tensor';
import { BatchTracer } from './batch-tracer.js';
import { JVP_RULES, type Jvp } from './jvp-rules.js';
import { isActive, isTraced, setTangentProbe, withLevelsFromSuspended } from './tape.js';

/** One open jvp call: its level id and the tangents of the tensors that depend on its inputs. */
export interface ForwardLevel {
  readonly id: number;
  readonly tangents: WeakMap<Tensor, Tensor>;
  /** Tangents computed at this level by the rules (the engine's own tensors). */
  readonly made: Tensor[];
  /** Whether ops at this level propagate tangents now (a customJvp forward suspends it). */
  suspended: boolean;
}

/** Open levels, oldest (outermost) first. */
const open: ForwardLevel[] = [];

function fmt(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

/** The levels whose tangents propagate now, oldest first. */
export function recordingLevels(): ForwardLevel[] {
  return open.filter((l) => !l.suspended && isActive(l.id));
}

export function pushLevel(id: number): ForwardLevel {
  const level: ForwardLevel = { id, tangents: new WeakMap(), made: [], suspended: false };
  open.push(level);
  return level;
}

export function popLevel(level: ForwardLevel): void {
  const i = open.indexOf(level);
  if (i >= 0) open.splice(i, 1);
}

/** Whether any of `xs` carries a tangent at a level that propagates now. */
export function carriesTangent(xs: readonly Tensor[]): boolean {
  if (open.length === 0) return false;
  return recordingLevels().some((l) => xs.some((x) => l.tangents.has(x)));
}

/** A rule's tangent, checked against `out` and expanded to its shape (the one generic broadcast). */
export function fitTangent(op: string, out: Tensor, raw: Tensor | undefined): Tensor | undefined {
  if (raw === undefined) return undefined;
  if (raw.dtype !== out.dtype) {
    throw new TensorError('dtype', `jvp: ${op} produced a ${fmt(raw)} tangent for a ${fmt(out)} output`);
  }
  if (raw.shape.length === out.shape.length && raw.shape.every((d, i) => d === out.shape[i])) return raw;
  return expand(raw, out.shape);
}

/**
 * The tangent `rule` computes at `level`, with that level and the levels after it suspended.
 * `operands` are the tensors the rule reads (inputs, their tangents, the output): when no open
 * level traces any of them and none is a vmap tracer, nothing can see the rule's temporaries and
 * they are freed at once. (Under vmap they are left to the caller's tidy and the GC: a batching
 * rule's tensors may be shared beyond the rule, as in jacfwd of jacfwd.)
 */
export function computeTangent(
  op: string,
  level: ForwardLevel,
  out: Tensor,
  operands: readonly (Tensor | undefined)[],
  rule: () => Tensor | undefined,
): Tensor | undefined {
  const t = withLevelsFromSuspended(level.id, () => {
    const compute = () => fitTangent(op, out, rule());
    const seen = operands.some((x) => x !== undefined && (isTraced(x) || x instanceof BatchTracer));
    return seen ? compute() : tidy(compute);
  });
  if (t) level.made.push(t);
  return t;
}

function onOp(record: OpRecord): void {
  if (open.length === 0) return;
  const { prim, inputs, output, attrs } = record;
  if (!isFloat(output.dtype)) return;
  for (const level of [...open]) {
    if (level.suspended || !isActive(level.id)) continue;
    let any = false;
    const ts = inputs.map((x) => {
      const t = level.tangents.get(x);
      if (t) any = true;
      return t;
    });
    if (!any) continue;
    const rule = JVP_RULES[prim] as Jvp<Prim>;
    const operands = [...inputs, ...ts, output];
    const t = computeTangent(prim, level, output, operands, () =>
      rule(ts as never, output, inputs as never, attrs as never),
    );
    if (t) level.tangents.set(output, t);
  }
}

/**
 * Whether `t` carries a tangent at a level that propagates now. A vmap tracer also carries the
 * tangents of the batch under it: a jvp outside the vmap sees the batched ops (jacfwd of jacfwd).
 */
function probe(t: Tensor): boolean {
  if (open.some((l) => !l.suspended && isActive(l.id) && l.tangents.has(t))) return true;
  return t instanceof BatchTracer && probe(t.physical);
}

let installed = false;

/** Installs the forward-mode observer once (importing @webgrad/autograd calls this). */
export function installForward(): void {
  if (installed) return;
  installed = true;
  addObserver({ onOp });
  setTangentProbe(probe);
}
