/**
 * Jacobians and Hessians from the two modes: `jacfwd` (a jvp per input element), `jacrev` (a vjp
 * pullback per output element), `hessian` (forward-over-reverse: jacfwd of grad) and `hvp`. As in
 * JAX, the jvps (pullbacks) along the basis vectors run as one vmap over the identity.
 * Layout as in JAX: the Jacobian of out with respect to x has shape [...out.shape, ...x.shape];
 * for trees of tensors it is out's tree whose leaves are x's trees of blocks (the block of
 * out leaf o and x leaf l has shape [...o.shape, ...l.shape]).
 */
import {
  concat,
  eye,
  isFloat,
  reshape,
  slice,
  stack,
  type Tensor,
  TensorError,
  tensor,
  transpose,
  zeros,
} from '@webgrad/tensor';
import { grad, vjp } from './api.js';
import { jvp } from './jvp.js';
import { type Flat, flatten, type PyTree } from './pytree.js';
import { vmap } from './vmap.js';

/** Options of `jacfwd` and `jacrev`. */
export interface JacobianOptions {
  /** Which arguments to differentiate: one index gives one Jacobian, an array gives an array. */
  argnums?: number | readonly number[];
}

// biome-ignore lint/suspicious/noExplicitAny: transforms accept functions of any arguments.
type AnyFn = (...args: any[]) => any;
/** Functions of tensors to a tensor: their Jacobians are tensors (typed so by the overloads). */
type TensorFn = (...args: Tensor[]) => Tensor;

function argList(op: string, argnums: number | readonly number[], args: readonly unknown[]): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= args.length) {
      throw new TensorError('value', `${op}: argnums ${i} is out of range for ${args.length} arguments`);
    }
  }
  return list;
}

/** JAX's layout for trees: out's tree whose leaves are x's trees of blocks block(i, j). */
function assemble(outFlat: Flat, inFlat: Flat, block: (i: number, j: number) => Tensor): PyTree {
  const rows = outFlat.leaves.map((_, i) => inFlat.unflatten(inFlat.leaves.map((_, j) => block(i, j))));
  return outFlat.unflatten(rows as unknown as Tensor[]);
}

/** f with argument k replaced by the tree `inFlat` rebuilt from `leaves`. */
function withArg(f: AnyFn, args: readonly unknown[], k: number, inFlat: Flat) {
  return (...leaves: Tensor[]): PyTree => f(...args.map((a, i) => (i === k ? inFlat.unflatten(leaves) : a)));
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
 * batched into one pass by vmap (cheap when the inputs are few). Shape [...out.shape, ...x.shape];
 * arguments and results may be trees of tensors (see the layout above).
 * @example jacfwd((x: Tensor) => x.sin())(x) // diag(cos x), shape [n, n]
 */
export function jacfwd<F extends TensorFn>(f: F, opts?: { argnums?: number }): (...args: Parameters<F>) => Tensor;
export function jacfwd<F extends TensorFn>(
  f: F,
  opts: { argnums: readonly number[] },
): (...args: Parameters<F>) => Tensor[];
export function jacfwd<F extends AnyFn>(f: F, opts?: JacobianOptions): (...args: Parameters<F>) => PyTree | PyTree[];
export function jacfwd<F extends AnyFn>(
  f: F,
  opts: JacobianOptions = {},
): (...args: Parameters<F>) => PyTree | PyTree[] {
  const argnums = opts.argnums ?? 0;
  return (...args) => {
    const jacs = argList('jacfwd', argnums, args).map((k) => {
      const inFlat = flatten(args[k], `jacfwd argument ${k}`);
      const fk = withArg(f, args, k, inFlat);
      const xs = inFlat.leaves;
      let outFlat: Flat | undefined;
      // columns[j][i]: [x_j.size, ...out_i.shape], the tangents of out leaf i along x_j's basis
      const columns = xs.map((x, j) => {
        if (x.size === 0) return undefined;
        return overBasis(x, (e) => {
          const along = (xj: Tensor) => fk(...xs.map((l, m) => (m === j ? xj : l)));
          const [out, t] = jvp(along, [x], [e]);
          outFlat ??= flatten(out, 'jacfwd output');
          return flatten(t, 'jacfwd output').leaves;
        });
      });
      const outs = outFlat ?? flatten(fk(...xs), 'jacfwd output');
      return assemble(outs, inFlat, (i, j) => {
        const [o, x, c] = [outs.leaves[i] as Tensor, xs[j] as Tensor, columns[j]?.[i]];
        return c ? basisAxisLast(c, x) : zeros([...o.shape, ...x.shape], { dtype: o.dtype, device: o.device });
      });
    });
    return typeof argnums === 'number' ? (jacs[0] as PyTree) : jacs;
  };
}

/**
 * The Jacobian by reverse mode: f runs once, then a pullback of each basis vector of the output,
 * batched into one pass by vmap (cheap when the outputs are few). Shape [...out.shape, ...x.shape];
 * arguments and results may be trees of tensors (see the layout above).
 * @example jacrev((x: Tensor) => x.matmul(w))(x)
 */
export function jacrev<F extends TensorFn>(f: F, opts?: { argnums?: number }): (...args: Parameters<F>) => Tensor;
export function jacrev<F extends TensorFn>(
  f: F,
  opts: { argnums: readonly number[] },
): (...args: Parameters<F>) => Tensor[];
export function jacrev<F extends AnyFn>(f: F, opts?: JacobianOptions): (...args: Parameters<F>) => PyTree | PyTree[];
export function jacrev<F extends AnyFn>(
  f: F,
  opts: JacobianOptions = {},
): (...args: Parameters<F>) => PyTree | PyTree[] {
  const argnums = opts.argnums ?? 0;
  return (...args) => {
    const ks = argList('jacrev', argnums, args);
    const inFlats = ks.map((k) => flatten(args[k], `jacrev argument ${k}`));
    const leaves = inFlats.flatMap((fl) => fl.leaves);
    let outFlat: Flat | undefined;
    // All outputs as one vector (one leaf keeps its shape): one vjp, one batched pullback.
    const g = (...ls: Tensor[]): Tensor => {
      let at = 0;
      const call = args.map((a, i) => {
        const m = ks.indexOf(i);
        if (m < 0) return a;
        const fl = inFlats[m] as Flat;
        at += fl.leaves.length;
        return fl.unflatten(ls.slice(at - fl.leaves.length, at));
      });
      outFlat = flatten(f(...call), 'jacrev output');
      const outs = outFlat.leaves;
      return outs.length === 1
        ? (outs[0] as Tensor)
        : concat(
            outs.map((o) => reshape(o, [-1])),
            0,
          );
    };
    const [vec, pullback] = vjp(g, ...leaves);
    const outs = outFlat as unknown as Flat;
    if (!isFloat(vec.dtype)) throw new TensorError('dtype', `jacrev: cannot differentiate a ${vec.dtype} output`);
    const rows = vec.size === 0 ? undefined : overBasis(vec, pullback); // rows[j]: [vec.size, ...leaf_j.shape]
    const offsets: number[] = [];
    outs.leaves.reduce((at, o) => offsets.push(at) && at + o.size, 0);
    let first = 0;
    const jacs = inFlats.map((inFlat) => {
      const base = first;
      first += inFlat.leaves.length;
      return assemble(outs, inFlat, (i, j) => {
        const [o, x, r] = [outs.leaves[i] as Tensor, inFlat.leaves[j] as Tensor, rows?.[base + j]];
        const shape = [...o.shape, ...x.shape];
        if (!r) return zeros(shape, { dtype: vec.dtype, device: vec.device });
        if (outs.leaves.length === 1) return reshape(r, shape);
        const at = offsets[i] as number;
        return reshape(slice(reshape(r, [vec.size, -1]), [[at, at + o.size]]), shape);
      });
    });
    return typeof argnums === 'number' ? (jacs[0] as PyTree) : jacs;
  };
}

/**
 * The Hessian of a scalar function, forward-over-reverse: jacfwd of grad, i.e. a jvp of the
 * gradient along each input element (n forward-over-reverse passes, not n^2 evaluations), which
 * vmap batches into one. Shape [...x.shape, ...x.shape] (for a tree argument, a tree of trees of
 * blocks, as jacfwd).
 * @example hessian((x: Tensor) => x.pow(3).sum())(x) // diag(6x)
 */
export function hessian<F extends TensorFn>(f: F, opts?: { argnums?: number }): (...args: Parameters<F>) => Tensor;
export function hessian<F extends AnyFn>(f: F, opts?: { argnums?: number }): (...args: Parameters<F>) => PyTree;
export function hessian<F extends AnyFn>(f: F, opts: { argnums?: number } = {}): (...args: Parameters<F>) => PyTree {
  const k = opts.argnums ?? 0;
  return (...args) => jacfwd(grad(f, { argnums: k }), { argnums: k })(...args) as PyTree;
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
