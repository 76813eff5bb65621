/**
 * The public autodiff API: PyTorch-style `backward(loss)` filling `.grad`, and JAX-style
 * function transforms `grad`, `valueAndGrad`, `vjp`, plus `noGrad` and `stopGradient`.
 */
import { add, detach, dispatch, isFloat, keep, onesLike, Tensor, TensorError, zerosLike } from '@webgrad/tensor';
import { runBackward } from './backward.js';
import { BatchTracer } from './batch-tracer.js';
import type { AnyFn, Cotangents, GradAt, GradsAt, SomeGrads } from './grad-types.js';
import { type Flat, flatten } from './pytree.js';
import {
  closeLevel,
  isTraced,
  isWatchedAt,
  nodeOf,
  openLevel,
  reopenLevel,
  unwatch,
  watch,
  withoutRecording,
} from './tape.js';

function fmt(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

function checkLoss(op: string, value: unknown, scalar: boolean): Tensor {
  if (!(value instanceof Tensor)) {
    throw new TensorError('value', `${op}: the function must return a Tensor, got ${typeof value}`);
  }
  if (!isFloat(value.dtype)) throw new TensorError('dtype', `${op}: cannot differentiate a ${fmt(value)} output`);
  if (scalar && value.size !== 1) {
    throw new TensorError(
      'shape',
      `${op}: the function must return a scalar (one element) to be differentiated, got ${fmt(value)}; use vjp (or a seed) for non-scalar outputs`,
    );
  }
  return value;
}

/**
 * A fresh alias of a differentiated argument (a recorded identity view): the same tensor passed
 * twice, or passed to nested transforms, is then a distinct variable at each position and level.
 */
function aliasOf(op: string, t: Tensor, where: string, level: number): Tensor {
  if (!isFloat(t.dtype)) {
    throw new TensorError('dtype', `${op}: ${where} is ${fmt(t)}; only float tensors can be differentiated`);
  }
  const a = dispatch('reshape', [t], { shape: [...t.shape] });
  watch(a, level);
  return a;
}

/**
 * Accumulates d loss / d t into `t.grad` for every tensor with `requiresGrad` that `loss` depends
 * on, then releases the recorded graph. `loss` must have one element unless `seed` (shaped like
 * `loss`) is given.
 * @example w.requiresGrad = true; backward(w.mul(w).sum()); // w.grad = 2w
 */
export function backward(loss: Tensor, seed?: Tensor): void {
  if (loss instanceof BatchTracer) {
    throw new TensorError(
      'value',
      'backward: cannot run inside vmap (.grad has no per-example form); use grad inside vmap (vmap(grad(f)) gives per-example gradients), or call backward on the result of vmap',
    );
  }
  checkLoss('backward', loss, seed === undefined);
  if (seed && (seed.dtype !== loss.dtype || seed.shape.join() !== loss.shape.join())) {
    throw new TensorError('shape', `backward: seed ${fmt(seed)} must match the loss ${fmt(loss)}`);
  }
  if (!loss.requiresGrad && !nodeOf(loss)?.levels.includes(0)) {
    throw new TensorError(
      'value',
      `backward: the loss ${fmt(loss)} does not depend on any tensor with requiresGrad = true (or its graph was already released by an earlier backward())`,
    );
  }
  const s = seed ?? onesLike(loss);
  closeLevel(0);
  let result: ReturnType<typeof runBackward>;
  try {
    result = runBackward({
      root: loss,
      seed: s,
      level: 0,
      isTarget: (t) => t.requiresGrad,
      release: true,
      ownSeed: seed === undefined,
    });
  } finally {
    reopenLevel(0);
  }
  const given = new Set<Tensor>(seed ? [seed] : []);
  for (const t of result.targets) {
    const g = result.grads.get(t);
    if (!g) continue;
    accumulateGrad(t, g, given);
  }
}

/**
 * t.grad += g, in place as in PyTorch: an existing `.grad` keeps its identity and takes the sum's
 * storage (assign), so the old values are freed and references to `.grad` stay valid. A first
 * gradient is stored as is, unless the same tensor already went to another `.grad` (d(a + b)
 * hands one cotangent to both) or is the caller's seed: then `.grad` gets its own view of it, so
 * that accumulating into or disposing one `.grad` never touches another tensor.
 */
function accumulateGrad(t: Tensor, g: Tensor, given: Set<Tensor>): void {
  if (t.grad && !t.grad.isDisposed) {
    const total = add(t.grad, g);
    // Under an enclosing transform the sum is recorded and its graph holds the old .grad:
    // then .grad becomes the (differentiable) sum and the old one is left to that graph.
    if (isTraced(total)) t.grad = keep(total);
    else {
      t.grad.assign(total);
      total.dispose();
    }
    return;
  }
  // .grad belongs to its tensor, not to an enclosing tidy.
  t.grad = keep(given.has(g) ? detach(g) : g);
  given.add(g);
}

/** Options of `grad`. */
export interface GradOptions {
  /** Which arguments to differentiate: one index gives one gradient, an array gives an array. */
  argnums?: number | readonly number[];
}

/** Options of `valueAndGrad`. */
export interface ValueAndGradOptions extends GradOptions {
  /** f returns [value, aux]; aux is passed through untouched. */
  hasAux?: boolean;
}

function argIndices(op: string, argnums: number | readonly number[], n: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new TensorError('value', `${op}: argnums ${i} is out of range for ${n} arguments`);
    }
  }
  return list;
}

/** Shared core of grad and valueAndGrad. */
function differentiate(op: string, f: AnyFn, args: unknown[], opts: ValueAndGradOptions): [unknown, unknown] {
  const argnums = opts.argnums ?? 0;
  const nums = argIndices(op, argnums, args.length);
  const level = openLevel();
  let open = true;
  const flats: Flat[] = [];
  const aliases: Tensor[][] = [];
  try {
    const callArgs = [...args];
    for (const i of nums) {
      const flat = flatten(args[i], `${op} argument ${i}`);
      const as = flat.leaves.map((t, j) => aliasOf(op, t, `argument ${i} (leaf ${j})`, level));
      callArgs[i] = flat.unflatten(as);
      flats.push(flat);
      aliases.push(as);
    }
    const result = f(...callArgs);
    if (opts.hasAux && (!Array.isArray(result) || result.length !== 2)) {
      throw new TensorError('value', `${op}: with hasAux, the function must return [value, aux]`);
    }
    const value = checkLoss(op, opts.hasAux ? result[0] : result, true);
    closeLevel(level);
    open = false;
    const { grads } = runBackward({
      root: value,
      seed: onesLike(value),
      level,
      isTarget: (t) => isWatchedAt(t, level),
      release: true,
      ownSeed: true,
    });
    const trees = flats.map((flat, k) =>
      flat.unflatten((aliases[k] as Tensor[]).map((a) => grads.get(a) ?? zerosLike(a))),
    );
    return [result, typeof argnums === 'number' ? trees[0] : trees];
  } finally {
    if (open) closeLevel(level);
    for (const as of aliases) for (const a of as) unwatch(a, level);
  }
}

/**
 * The gradient of a scalar function with respect to its argument(s) `argnums` (default 0). An
 * argument may be a Tensor or a nested array/object of Tensors; its gradient has the same shape.
 * Composes: grad(grad(f)) gives second derivatives.
 * @example grad((x: Tensor) => x.mul(x).sum())(tensor([1, 2])) // [2, 4]
 */
export function grad<F extends AnyFn>(f: F, opts?: { argnums?: undefined }): (...args: Parameters<F>) => GradAt<F, 0>;
export function grad<F extends AnyFn, const N extends number>(
  f: F,
  opts: { argnums: N },
): (...args: Parameters<F>) => GradAt<F, N>;
export function grad<F extends AnyFn, const N extends readonly number[]>(
  f: F,
  opts: { argnums: N },
): (...args: Parameters<F>) => GradsAt<F, N>;
export function grad<F extends AnyFn>(f: F, opts: GradOptions): (...args: Parameters<F>) => SomeGrads;
export function grad(f: AnyFn, opts: GradOptions = {}): AnyFn {
  return (...args) => differentiate('grad', f, args, opts)[1];
}

/**
 * Like `grad`, but also returns f's value: [value, grads], or with `hasAux` [[value, aux], grads].
 * @example const [loss, g] = valueAndGrad((w: Tensor) => w.square().sum())(w);
 */
export function valueAndGrad<F extends AnyFn>(
  f: F,
  opts?: { argnums?: undefined; hasAux?: boolean },
): (...args: Parameters<F>) => [ReturnType<F>, GradAt<F, 0>];
export function valueAndGrad<F extends AnyFn, const N extends number>(
  f: F,
  opts: { argnums: N; hasAux?: boolean },
): (...args: Parameters<F>) => [ReturnType<F>, GradAt<F, N>];
export function valueAndGrad<F extends AnyFn, const N extends readonly number[]>(
  f: F,
  opts: { argnums: N; hasAux?: boolean },
): (...args: Parameters<F>) => [ReturnType<F>, GradsAt<F, N>];
export function valueAndGrad<F extends AnyFn>(
  f: F,
  opts: ValueAndGradOptions,
): (...args: Parameters<F>) => [ReturnType<F>, SomeGrads];
export function valueAndGrad(f: AnyFn, opts: ValueAndGradOptions = {}): AnyFn {
  return (...args) => differentiate('valueAndGrad', f, args, opts);
}

/**
 * Evaluates f at `primals` and returns [out, pullback], where pullback(cotangent) gives the
 * cotangent of every primal (vector-Jacobian products). The pullback may be called many times;
 * the recorded graph lives as long as it does.
 * @example const [y, pb] = vjp((x: Tensor) => x.exp(), x); const [dx] = pb(onesLike(y));
 */
export function vjp<const P extends readonly Tensor[]>(
  f: (...xs: P) => Tensor,
  ...primals: P
): [Tensor, (cotangent: Tensor) => Cotangents<P>];
export function vjp(f: (...xs: Tensor[]) => Tensor, ...primals: Tensor[]): [Tensor, (cotangent: Tensor) => Tensor[]] {
  const level = openLevel();
  let aliases: Tensor[];
  let out: Tensor;
  try {
    aliases = primals.map((t, i) => {
      if (!(t instanceof Tensor)) throw new TensorError('value', `vjp: primal ${i} is not a Tensor`);
      return aliasOf('vjp', t, `primal ${i}`, level);
    });
    out = checkLoss('vjp', f(...aliases), false);
  } finally {
    closeLevel(level);
  }
  const pullback = (cotangent: Tensor): Tensor[] => {
    if (cotangent.dtype !== out.dtype || cotangent.shape.join() !== out.shape.join()) {
      throw new TensorError('shape', `vjp: the cotangent ${fmt(cotangent)} must match the output ${fmt(out)}`);
    }
    const { grads } = runBackward({
      root: out,
      seed: cotangent,
      level,
      isTarget: (t) => isWatchedAt(t, level),
      release: false,
    });
    return aliases.map((a) => grads.get(a) ?? zerosLike(a));
  };
  return [out, pullback];
}

/**
 * Runs `fn` without recording for the gradients being taken around it (inference, optimizer
 * steps): `requiresGrad` tensors and enclosing grad/vjp calls see its results as constants.
 * Transforms called inside `fn` still work (as in torch.func: grad inside no_grad computes
 * gradients, no_grad inside grad is respected). Synchronous only.
 * @example const y = noGrad(() => model.forward(x));
 * @example const g = noGrad(() => grad(f)(x)); // a real gradient, no requiresGrad graph
 */
export function noGrad<T>(fn: () => T): T {
  const result = withoutRecording(fn);
  if (result instanceof Promise) {
    throw new TypeError('noGrad: fn returned a Promise; only synchronous work can run without recording');
  }
  return result;
}

/**
 * `t` as a constant: the same values, but no gradient flows through it (also exported as detach).
 * @example const target = stopGradient(y);
 */
export function stopGradient(t: Tensor): Tensor {
  return detach(t);
}
