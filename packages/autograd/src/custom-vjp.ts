/** customVjp: a function whose derivative is given by hand instead of derived from its ops. */
import { detach, Tensor, TensorError } from '@webgrad/tensor';
import type { CustomRuleOptions } from './custom-jvp.js';
import { carriesTangent } from './forward.js';
import { type CustomBackward, levelsOfInputs, nodeOf, setNode, versionsOf, withoutRecording } from './tape.js';

/**
 * Wraps `forward` so that autodiff uses `backward` for it: forward's inner ops are not recorded,
 * and backward(g, out, ...xs) returns one cotangent (or undefined) per input, written with
 * tensor ops (so that it is itself differentiable when nested transforms need it). It has no
 * forward-mode rule: under jvp it raises a TensorError naming it (`opts.name`, else forward's
 * function name); give one with customJvp.
 * @example
 *   const square = customVjp((x) => x.mul(x), (g, _out, x) => [g.mul(x).mul(2)]);
 */
export function customVjp(
  forward: (...xs: Tensor[]) => Tensor,
  backward: CustomBackward,
  opts: CustomRuleOptions = {},
): (...xs: Tensor[]) => Tensor {
  const name = opts.name ?? (forward.name || 'anonymous');
  return (...xs: Tensor[]): Tensor => {
    if (carriesTangent(xs)) {
      throw new TensorError(
        'value',
        `jvp: the customVjp op '${name}' has no forward-mode rule (its inputs carry jvp tangents); wrap it with customJvp to give one, or differentiate it in reverse mode (grad, vjp, jacrev)`,
      );
    }
    // Only levels that record now (an enclosing noGrad suspends them) get a custom node.
    const levels = levelsOfInputs(xs);
    let out = withoutRecording(() => forward(...xs));
    if (!(out instanceof Tensor)) {
      throw new TensorError('value', `customVjp: forward must return a Tensor, got ${typeof out}`);
    }
    if (!levels) return out;
    // The node is keyed by the output: never attach it to a tensor that already means something else.
    if (xs.includes(out) || nodeOf(out) !== undefined || out.requiresGrad) out = detach(out);
    const versions = versionsOf(xs, out);
    setNode(out, { prim: 'custom', inputs: xs, output: out, attrs: {}, levels, versions, custom: backward, name });
    return out;
  };
}
