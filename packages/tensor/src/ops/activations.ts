/** Activation functions, all composites of primitives (their gradients come from the rules). */
import type { Tensor } from '../tensor.js';
import { add, erf, exp, gt, le, log, mul, neg, tanh, where } from './elementwise.js';

/** 1 / (1 + e^-x), written via tanh so that neither tail overflows: (1 + tanh(x/2)) / 2. */
export function sigmoid(x: Tensor): Tensor {
  return mul(add(tanh(mul(x, 0.5)), 1), 0.5);
}

/**
 * max(x, 0), with relu(NaN) = NaN (PyTorch): 0 only where x <= 0, which NaN is not. NOTE: the
 * gradient at exactly 0 is 0 (the PyTorch and JAX choice); at NaN, g passes through.
 */
export function relu(x: Tensor): Tensor {
  return where(le(x, 0), 0, x);
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * Gaussian error linear unit. 'none': x Φ(x) = x (1 + erf(x / √2)) / 2 (exact);
 * 'tanh': the approximation x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2 used by GPT-2, with the
 * tanh's argument factored as x (√(2/π) + 0.044715 √(2/π) x²): one op fewer forward, two fewer
 * backward than the cube.
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  const inner =
    approximate === 'tanh'
      ? tanh(mul(x, add(mul(mul(x, x), 0.044715 * SQRT_2_OVER_PI), SQRT_2_OVER_PI)))
      : erf(mul(x, Math.SQRT1_2));
  return mul(mul(x, 0.5), add(inner, 1));
}

/**
 * log(1 + e^x), stably: x + log(1 + e^-x) for x > 0, log(1 + e^x) elsewhere. Both branches are
 * the exact function, so every derivative is right, also at 0 (the Hessian there is 1/4; the
 * form max(x, 0) + log(1 + e^-|x|) has kinks at 0 whose second derivatives come out 0). Each
 * branch sees its own side of 0 only, so exp never overflows, not even in unused branches.
 */
export function softplus(x: Tensor): Tensor {
  const pos = gt(x, 0);
  const xp = where(pos, x, 0); // x > 0, else 0
  const xn = where(pos, 0, x); // x <= 0 (or NaN), else 0
  return where(pos, add(xp, log(add(exp(neg(xp)), 1))), log(add(exp(xn), 1)));
}

/** x * sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}
