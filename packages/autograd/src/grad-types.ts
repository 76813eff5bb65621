/**
 * The static types of the function transforms' results, so that TypeScript users get a Tensor
 * (or their own pytree type) back instead of `PyTree | PyTree[]`:
 * - no `argnums` (or one number): the gradient has the type of that argument (a Tensor, or the
 *   array/object of Tensors passed there);
 * - a tuple of argnums: a tuple of those arguments' types.
 * @example
 *   const g = grad((p: { w: Tensor; b: Tensor }, x: Tensor) => loss(p, x))(params, x); // { w; b }
 *   const [gw, gx] = grad((w: Tensor, x: Tensor) => w.mul(x).sum(), { argnums: [0, 1] })(w, x);
 */
import type { Tensor } from '@webgrad/tensor';
import type { PyTree } from './pytree.js';

// biome-ignore lint/suspicious/noExplicitAny: transforms accept functions of any arguments.
export type AnyFn = (...args: any[]) => any;

/** The gradient of argument `N` of `F`: the same structure as the argument. */
export type GradAt<F extends AnyFn, N extends number> = Parameters<F>[N];

/** The gradients of the arguments listed in the tuple `N`, as a tuple. */
export type GradsAt<F extends AnyFn, N extends readonly number[]> = {
  -readonly [K in keyof N]: Parameters<F>[N[K] & number];
};

/** The gradient(s) for options whose `argnums` is known only at run time. */
export type SomeGrads = PyTree | PyTree[];

/** The cotangents a vjp pullback returns: one Tensor per primal, as a tuple. */
export type Cotangents<P extends readonly Tensor[]> = { -readonly [K in keyof P]: Tensor };
