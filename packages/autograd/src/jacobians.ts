/**
 * Jacobians and Hessians from the two modes: `jacfwd` (a jvp per input element), `jacrev` (a vjp
 * pullback per output element), `hessian` (forward-over-reverse: jacfwd of grad) and `hvp`. As in
 * JAX, the jvps (pullbacks) along the basis vectors run as one vmap over the identity.
 * Layout as in JAX: the Jacobian of out with respect to x has shape [...out.shape, ...x.shape].
 */
import { eye, reshape, stack, Tensor, TensorError, tensor, transpose, zeros } from '@webgrad/tensor';
import { grad, vjp } from './api.js';
import { jvp } from './jvp.js';
import type { PyTree } from './pytree.js';
import { vmap } from './vmap.js';

export interface JacobianOptions {
  /** Which arguments to differentiate: one index gives one Jacobian, an array gives an array. */
  argnums?: number | readonly number[];
}

// biome-ignore lint/suspicious/noExplicitAny: transforms accept functions of any arguments.
type AnyFn = (...args: any[]) => any;

function argList(op: string, argnums: number | readonly number[], args: readonly unknown[]): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      throw new TensorError('value', `${op}: argnums ${i} is out of range for ${args.length} arguments`);
    }
    if (!(args[i] instanceof Tensor)) {
      throw new TensorError('value', `${op}: argument ${i} must be a Tensor`);
    }
  }
  return list;
}

function asTensorOutput(op: string, out: unknown): Tensor {
  if (!(out instanceof Tensor)) throw new TensorError('value', `${op}: the function must return a Tensor`);
  return out;
}

/** The i-th basis tensor shaped like x (a one-hot). */
function basis(x: Tensor, i: number): Tensor {
  const data = new Float64Array(x.size);
  data[i] = 1;
  return tensor(data, { dtype: x.dtype, device: x.device, shape: x.shape });
}

/** Whether `e` is vmap naming a primitive it cannot batch (then a loop does the work instead). */
function unbatchable(e: unknown): boolean {
  return e instanceof TensorError && /^vmap: \S+ has no batching rule/.test(e.message);
}

/**
 * `one(e_i)` for every basis tensor e_i of x's space, stacked on a new leading axis: one batched
 * call by vmap over the identity (as JAX's jacfwd/jacrev), or a loop when f uses a primitive
 * without a batching rule.
 */
function overBasis(x: Tensor, one: (e: Tensor) => Tensor[]): Tensor[] {
  try {
    const identity = reshape(eye(x.size, x.size, { dtype: x.dtype, device: x.device }), [x.size, ...x.shape]);
    return vmap(one)(identity) as Tensor[];
  } catch (e) {
    if (!unbatchable(e)) throw e;
  }
  const each = Array.from({ length: x.size }, (_, i) => one(basis(x, i)));
  return (each[0] as Tensor[]).map((_, m) =>
    stack(
      each.map((r) => r[m] as Tensor),
      0,
    ),
  );
}

/** [n, ...a] -> [...a, ...x.shape]: the basis axis moved last and unfolded into x's shape. */
function basisAxisLast(y: Tensor, x: Tensor): Tensor {
  const rest = y.shape.slice(1);
  const perm = [...rest.map((_, i) => i + 1), 0];
  return reshape(transpose(y, perm), [...rest, ...x.shape]);
}

/**
 * The Jacobian by forward mode: a jvp along each basis vector of each differentiated argument,
 * batched into one pass by vmap (cheap when the inputs are few). Shape [...out.shape, ...x.shape].
 * @example jacfwd((x: Tensor) => x.sin())(x) // diag(cos x), shape [n, n]
 */
export function jacfwd<F extends AnyFn>(
  f: F,
  opts: JacobianOptions = {},
): (...args: Parameters<F>) => Tensor | Tensor[] {
  const argnums = opts.argnums ?? 0;
  return (...args) => {
    const jacs = argList('jacfwd', argnums, args).map((k) => {
      const x = args[k] as Tensor;
      const fk = (xk: Tensor) => asTensorOutput('jacfwd', f(...args.map((a, i) => (i === k ? xk : a))));
      if (x.size === 0) {
        const out = fk(x);
        return zeros([...out.shape, ...x.shape], { dtype: out.dtype, device: out.device });
      }
      const [columns] = overBasis(x, (e) => [jvp(fk, [x], [e])[1]]) as [Tensor];
      return basisAxisLast(columns, x);
    });
    return typeof argnums === 'number' ? (jacs[0] as Tensor) : jacs;
  };
}

/**
 * The Jacobian by reverse mode: f runs once, then a pullback of each basis vector of the output,
 * batched into one pass by vmap (cheap when the outputs are few). Shape [...out.shape, ...x.shape].
 * @example jacrev((x: Tensor) => x.matmul(w))(x)
 */
export function jacrev<F extends AnyFn>(
  f: F,
  opts: JacobianOptions = {},
): (...args: Parameters<F>) => Tensor | Tensor[] {
  const argnums = opts.argnums ?? 0;
  return (...args) => {
    const ks = argList('jacrev', argnums, args);
    const g = (...xs: Tensor[]) =>
      asTensorOutput('jacrev', f(...args.map((a, i) => (ks.includes(i) ? xs[ks.indexOf(i)] : a))));
    const [out, pullback] = vjp(g, ...ks.map((k) => args[k] as Tensor));
    const rows = out.size === 0 ? undefined : overBasis(out, pullback);
    const jacs = ks.map((k, m) => {
      const x = args[k] as Tensor;
      const shape = [...out.shape, ...x.shape];
      return rows ? reshape(rows[m] as Tensor, shape) : zeros(shape, { dtype: out.dtype, device: out.device });
    });
    return typeof argnums === 'number' ? (jacs[0] as Tensor) : jacs;
  };
}

/**
 * The Hessian of a scalar function, forward-over-reverse: jacfwd of grad, i.e. a jvp of the
 * gradient along each input element (n forward-over-reverse passes, not n^2 evaluations), which
 * vmap batches into one.
 * Shape [...x.shape, ...x.shape].
 * @example hessian((x: Tensor) => x.pow(3).sum())(x) // diag(6x)
 */
export function hessian<F extends AnyFn>(f: F, opts: { argnums?: number } = {}): (...args: Parameters<F>) => Tensor {
  const k = opts.argnums ?? 0;
  return (...args) => jacfwd(grad(f, { argnums: k }), { argnums: k })(...args) as Tensor;
}

/**
 * The Hessian-vector product H v of a scalar function at `primals` (one forward-over-reverse
 * pass): jvp of grad. `primals` lists f's arguments (pytrees), `tangents` the vector, same
 * structure; the result has that structure too (one entry per argument when there are several).
 * @example const hv = hvp((x: Tensor) => x.pow(3).sum(), [x], [v]); // 6 x v
 */
export function hvp(f: AnyFn, primals: readonly unknown[], tangents: readonly unknown[]): PyTree | PyTree[] {
  const argnums = primals.length === 1 ? 0 : primals.map((_, i) => i);
  const df = grad(f, { argnums }) as (...xs: unknown[]) => PyTree;
  return jvp(df, primals, tangents)[1];
}
