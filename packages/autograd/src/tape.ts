/**
 * The tape: a dispatch observer that records, for every primitive whose operands are traced, a
 * node {prim, inputs, output, attrs} keyed by the output tensor.
 *
 * Tracing is organised in levels. Level 0 is PyTorch style: tensors with `requiresGrad === true`.
 * Every functional call (grad, valueAndGrad, vjp) opens a fresh level id (never reused) and
 * watches its arguments at that level. A node carries the set of levels its output depends on;
 * a backward pass at level L walks only nodes that carry L and runs with L closed, so the ops it
 * performs are recorded exactly when an outer level (an enclosing grad, or requiresGrad tensors)
 * can still differentiate them. That is what makes grad(grad(f)) work.
 *
 * noGrad (and a customVjp's forward) suspend every level open when it is entered, level 0
 * included, by raising a recording floor: levels below it record nothing. Levels opened inside
 * (a grad called within noGrad) have larger ids, so they work as anywhere else. That is the rule
 * of torch.func: a transform inside no_grad works, no_grad inside a transform is respected.
 *
 * vmap takes its level id from the same counter (it watches nothing). A vmap tracer depends on
 * whatever the batch under it depends on (a grad outside the vmap), and while a batching rule
 * runs, the levels opened inside that vmap are suspended: they see the per-example op only.
 *
 * jvp (forward.ts) takes its level ids from the counter too; while it computes a tangent at
 * level L, L and every level opened after it are suspended (withLevelsFromSuspended), so the
 * tangent's ops are recorded by the levels opened before L only (JAX's nesting order).
 *
 * Per-tensor state dies with its tensors: a tensor's node lives in its `tapeNode` field (a field,
 * not a WeakMap: a WeakMap insertion for a fresh key cost ~0.6 us in Node 20, measured, a
 * sixth of a recorded tiny op), the watches of functional arguments in a WeakMap.
 */
import { addObserver, isFloat, type OpRecord, type Prim, type Tensor } from '@webgrad/tensor';
import { BatchTracer } from './batch-tracer.js';

/** A user-written VJP attached by `customVjp`: one cotangent (or undefined) per input. */
export type CustomBackward = (g: Tensor, out: Tensor, ...xs: Tensor[]) => (Tensor | undefined)[];

/** One recorded op. `custom` is set for nodes made by customVjp (prim is then 'custom'). */
export interface Node {
  readonly prim: Prim | 'custom';
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: unknown;
  /** Levels whose tracked tensors the output depends on (mutated when a backward releases one). */
  levels: number[];
  /** `version` of each input, then of the output, when recorded (see saved-versions.ts). */
  readonly versions: readonly number[];
  readonly custom?: CustomBackward;
  /** The customVjp op's name, for error messages. */
  readonly name?: string;
}

const watched = new WeakMap<Tensor, number[]>();
/** Tensors in `watched` (entries of tensors collected while watched may linger; 0 = none for sure). */
let watchedCount = 0;
/** What a node saves when every version is 0 (no assign() yet: the common case); see versionsOf. */
const ZERO_VERSIONS: readonly number[] = Object.freeze(Array.from({ length: 16 }, () => 0));
/** Level ids currently open. 0 (requiresGrad) is open except while backward() walks it. */
const active = new Set<number>([0]);
let nextLevel = 1;
/** Levels with a smaller id are suspended (noGrad); 0 = none. */
let floor = 0;
/** Levels in [bandLow, bandHigh) are suspended while forward mode computes a tangent (forward.ts). */
let bandLow = 0;
let bandHigh = 0;
/** Nodes recorded so far (forward mode frees its tangents only when no node could hold one). */
let recordedNodes = 0;

/** Open and not suspended by an enclosing noGrad: ops on its tensors are recorded. */
function recording(level: number): boolean {
  return level >= floor && (level < bandLow || level >= bandHigh) && active.has(level);
}

/**
 * Runs `fn` with `level` and every level opened after it suspended; levels `fn` opens itself
 * record as usual. Forward mode computes a level's tangents this way: as in JAX, a level's
 * tangent is invisible to that level and to the levels nested inside it (perturbation confusion).
 */
export function withLevelsFromSuspended<T>(level: number, fn: () => T): T {
  const [low, high] = [bandLow, bandHigh];
  bandLow = level;
  bandHigh = nextLevel;
  try {
    return fn();
  } finally {
    bandLow = low;
    bandHigh = high;
  }
}

/** How many nodes have been recorded so far (a counter, compared before and after some work). */
export function recordedNodeCount(): number {
  return recordedNodes;
}

/** Forward mode (forward.ts) reports whether a tensor carries a tangent at a recording level. */
let tangentProbe: (t: Tensor) => boolean = () => false;

export function setTangentProbe(probe: (t: Tensor) => boolean): void {
  tangentProbe = probe;
}

/** Whether `t` carries a jvp tangent at a level that propagates now. */
export function hasTangent(t: Tensor): boolean {
  return tangentProbe(t);
}

export function nodeOf(t: Tensor): Node | undefined {
  return t.tapeNode as Node | undefined;
}

export function setNode(t: Tensor, node: Node): void {
  recordedNodes++;
  t.tapeNode = node;
}

export function deleteNode(t: Tensor): void {
  t.tapeNode = undefined;
}

/** Whether `level` records now (open, and not suspended by noGrad). */
export function isActive(level: number): boolean {
  return recording(level);
}

/** Opens a new functional level and returns its id. */
export function openLevel(): number {
  const id = nextLevel++;
  active.add(id);
  return id;
}

export function closeLevel(level: number): void {
  active.delete(level);
}

/** Re-opens level 0 after backward() (the only level that is ever re-opened). */
export function reopenLevel(level: number): void {
  if (level === 0) active.add(0);
}

export function watch(t: Tensor, level: number): void {
  const w = watched.get(t);
  if (w) w.push(level);
  else {
    watched.set(t, [level]);
    watchedCount++;
  }
}

export function unwatch(t: Tensor, level: number): void {
  const w = watched.get(t);
  if (!w) return;
  const i = w.indexOf(level);
  if (i >= 0) w.splice(i, 1);
  if (w.length === 0 && watched.delete(t)) watchedCount--;
}

/** True when `t` was made watched at `level` (a functional argument). */
export function isWatchedAt(t: Tensor, level: number): boolean {
  return watched.get(t)?.includes(level) ?? false;
}

/** Adds the open levels `t` depends on to `into` (kept free of duplicates). */
export function collectLevels(t: Tensor, into: number[]): void {
  if (t.requiresGrad && recording(0) && !into.includes(0)) into.push(0);
  const n = t.tapeNode as Node | undefined;
  if (n) for (const l of n.levels) if (recording(l) && !into.includes(l)) into.push(l);
  const w = watchedCount > 0 ? watched.get(t) : undefined;
  if (w) for (const l of w) if (recording(l) && !into.includes(l)) into.push(l);
  // A vmap tracer depends on what the batch under it depends on (a grad outside the vmap).
  if (t instanceof BatchTracer) collectLevels(t.physical, into);
}

/** Whether some open level can differentiate through `t` (a recording grad level or jvp tangent). */
export function isTraced(t: Tensor): boolean {
  const levels: number[] = [];
  collectLevels(t, levels);
  return levels.length > 0 || tangentProbe(t);
}

/** Whether an op on the node's output would be recorded now (some level of it records). */
export function hasOpenLevel(node: Node): boolean {
  return node.levels.some(recording);
}

/**
 * Whether some level of the node is not closed yet, suspended or not: a released graph keeps
 * such nodes (a backward run inside noGrad must not drop what an outer grad still needs).
 */
export function hasLiveLevel(node: Node): boolean {
  return node.levels.some((l) => active.has(l));
}

/**
 * Runs `fn` with every level open now suspended (noGrad, a customVjp's forward); levels that
 * `fn` opens itself record as usual.
 */
export function withoutRecording<T>(fn: () => T): T {
  const saved = floor;
  floor = nextLevel;
  try {
    return fn();
  } finally {
    floor = saved;
  }
}

/** The open levels of `inputs`, or undefined when none is traced (the common, cheap case). */
export function levelsOfInputs(inputs: readonly Tensor[]): number[] | undefined {
  let levels: number[] | undefined;
  for (const t of inputs) {
    // Fast path: most tensors have no node, no watch and no requiresGrad, and are no vmap tracer.
    if (!t.requiresGrad && t.tapeNode === undefined && (watchedCount === 0 || !watched.has(t))) {
      if (!(t instanceof BatchTracer)) continue;
    }
    levels ??= [];
    collectLevels(t, levels);
  }
  return levels && levels.length > 0 ? levels : undefined;
}

/** The versions a node saves: its inputs', then its output's (one shared array when all are 0). */
export function versionsOf(inputs: readonly Tensor[], output: Tensor): readonly number[] {
  let zero = output.version === 0 && inputs.length < ZERO_VERSIONS.length;
  for (let i = 0; zero && i < inputs.length; i++) zero = (inputs[i] as Tensor).version === 0;
  if (zero) return ZERO_VERSIONS;
  const v = inputs.map((t) => t.version);
  v.push(output.version);
  return v;
}

function onOp(record: OpRecord): void {
  // Integer and bool results have a zero derivative: nothing downstream of them needs a node.
  if (!isFloat(record.output.dtype)) return;
  const levels = levelsOfInputs(record.inputs);
  if (!levels) return;
  recordedNodes++;
  record.output.tapeNode = {
    prim: record.prim,
    inputs: record.inputs,
    output: record.output,
    attrs: record.attrs,
    levels,
    versions: versionsOf(record.inputs, record.output),
  } satisfies Node;
}

let installed = false;

/** Installs the observer once (importing @webgrad/autograd calls this). */
export function installTape(): void {
  if (installed) return;
  installed = true;
  addObserver({ onOp });
}
