/** Gradient clipping by global norm (Pascanu et al., 2013). */
import { noGrad } from '@webgrad/autograd';
import { type Tensor, TensorError, tidy } from '@webgrad/tensor';

/**
 * Scales every `.grad` by min(1, maxNorm / (total + 1e-6)), where total is the 2-norm of all
 * gradients together (torch.nn.utils.clip_grad_norm_), without reading it back to JS. Returns
 * the total norm before clipping as a 0-d tensor in the first gradient's dtype.
 * @example backward(loss); clipGradNorm(model.parameters(), 1.0); opt.step();
 */
export function clipGradNorm(params: readonly Tensor[], maxNorm: number): Tensor | undefined {
  if (!(maxNorm > 0)) throw new TensorError('value', `clipGradNorm: maxNorm must be > 0, got ${maxNorm}`);
  const grads = params.flatMap((p) => (p.grad ? [p.grad] : []));
  const first = grads[0];
  if (!first) return undefined;
  return noGrad(() =>
    tidy(() => {
      let sq: Tensor | undefined;
      for (const g of grads) {
        const s = g.cast(first.dtype).square().sum();
        sq = sq ? sq.add(s) : s;
      }
      const total = (sq as Tensor).sqrt();
      const coef = total.add(1e-6).reciprocal().mul(maxNorm).minimum(1);
      for (const g of grads) g.assign(g.mul(coef.cast(g.dtype)));
      return total;
    }),
  );
}
