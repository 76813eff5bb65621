/**
 * Jacobians and Hessians from the two modes: `jacfwd` (one jvp per input element), `jacrev` (one
 * vjp pullback per output element), `hessian` (forward-over-reverse: jacfwd of grad) and `hvp`.
 * Layout as in JAX: the Jacobian of out with respect to x has shape [...out.shape, ...x.shape].
 */
import { reshape, stack, Tensor, TensorError, tensor, zeros } from '@webgrad/tensor';
import { grad, vjp } from './api.js';
import { jvp } from './jvp.js';
import type { PyTree } from './pytree.js';

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

/**
 * The Jacobian by forward mode: one jvp per element of each differentiated argument (cheap when
 * the inputs are few). Shape [...out.shape, ...x.shape].
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
      const columns: Tensor[] = [];
      let outShape: readonly number[] = [];
      for (let i = 0; i < x.size; i++) {
        const [out, column] = jvp(fk, [x], [basis(x, i)]);
        outShape = out.shape;
        columns.push(column);
      }
      if (columns.length === 0) {
        const out = fk(x);
        return zeros([...out.shape, ...x.shape], { dtype: out.dtype, device: out.device });
      }
      return reshape(stack(columns, outShape.length), [...outShape, ...x.shape]);
    });
    return typeof argnums === 'number' ? (jacs[0] as Tensor) : jacs;
  };
}

/**
 * The Jacobian by reverse mode: f runs once, then one pullback per output element (cheap when
 * the outputs are few). Shape [...out.shape, ...x.shape].
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
    const rows: Tensor[][] = ks.map(() => []);
    for (let j = 0; j < out.size; j++) {
      pullback(basis(out, j)).forEach((gj, m) => {
        (rows[m] as Tensor[]).push(gj);
      });
    }
    const jacs = ks.map((k, m) => {
      const x = args[k] as Tensor;
      const r = rows[m] as Tensor[];
      const shape = [...out.shape, ...x.shape];
      return r.length === 0 ? zeros(shape, { dtype: out.dtype, device: out.device }) : reshape(stack(r, 0), shape);
    });
    return typeof argnums === 'number' ? (jacs[0] as Tensor) : jacs;
  };
}

/**
 * The Hessian of a scalar function, forward-over-reverse: jacfwd of grad, i.e. one jvp of the
 * gradient per input element (n forward-over-reverse passes, not n^2 evaluations).
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
