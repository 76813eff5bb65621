/** customJvp: a function whose forward-mode derivative is given by hand. */
import { dispatch, Tensor, TensorError, zerosLike } from '@webgrad/tensor';
import { computeTangent, recordingLevels } from './forward.js';
import { levelsOfInputs } from './tape.js';

/**
 * A hand-written JVP: the tangent of the output from the tangents of the inputs (`ts`, zeros
 * where an input has none), the output and the inputs, written with tensor ops.
 */
export type CustomTangent = (ts: Tensor[], out: Tensor, ...xs: Tensor[]) => Tensor;

/** Options of `customVjp` and `customJvp`. */
export interface CustomRuleOptions {
  /** The op's name in error messages (default: the forward function's name). */
  name?: string;
}

interface CustomJvpEntry {
  readonly xs: readonly Tensor[];
  readonly rule: CustomTangent;
  readonly name: string;
}

/** Outputs of customJvp calls, so that linearize's replay uses the hand-written rule too. */
const entries = new WeakMap<Tensor, CustomJvpEntry>();

export function customJvpOf(out: Tensor): CustomJvpEntry | undefined {
  return entries.get(out);
}

/**
 * Wraps `forward` so that forward mode (jvp, linearize, jacfwd, hessian) uses `rule` for it
 * instead of pushing tangents through forward's ops. Reverse mode (grad, vjp) still
 * differentiates forward's ops, and forward-over-reverse (hessian, hvp) differentiates that.
 * `forward` must not close over tensors being differentiated: pass them as arguments.
 * @example
 *   // log(1 + e^x), with a tangent that stays finite for large x:
 *   const softplus = customJvp(
 *     (x) => x.exp().add(1).log(),
 *     ([t], _out, x) => t.mul(x.sigmoid()),
 *   );
 */
export function customJvp(
  forward: (...xs: Tensor[]) => Tensor,
  rule: CustomTangent,
  opts: CustomRuleOptions = {},
): (...xs: Tensor[]) => Tensor {
  const name = opts.name ?? (forward.name || 'customJvp');
  return (...xs: Tensor[]): Tensor => {
    const levels = recordingLevels().filter((l) => xs.some((x) => l.tangents.has(x)));
    // Reverse mode differentiates forward's ops: when a grad level records them, their tangents
    // are needed too (forward-over-reverse differentiates that backward pass), so they flow as
    // usual and only the output's tangent is replaced by the rule's.
    const suspend = levelsOfInputs(xs) === undefined ? levels : [];
    for (const l of suspend) l.suspended = true;
    let out: unknown;
    try {
      out = forward(...xs);
      if (!(out instanceof Tensor)) {
        throw new TensorError('value', `customJvp (${name}): forward must return a Tensor, got ${typeof out}`);
      }
      // The tangent is keyed by the output: never attach it to an input (a recorded alias instead).
      if (xs.includes(out)) out = dispatch('reshape', [out], { shape: [...out.shape] });
    } finally {
      for (const l of suspend) l.suspended = false;
    }
    const result = out as Tensor;
    entries.set(result, { xs, rule, name });
    for (const l of levels) {
      const ts = xs.map((x) => l.tangents.get(x) ?? zerosLike(x));
      const t = computeTangent(name, l, result, [...xs, ...ts, result], () => rule(ts, result, ...xs));
      if (t) l.tangents.set(result, t);
    }
    return result;
  };
}
