/** Activation functions, all composites of primitives (their gradients come from the rules). */
import type { Tensor } from '../tensor.js';
import { abs, add, erf, exp, le, log, maximum, mul, neg, tanh, where } from './elementwise.js';

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
 * 'tanh': the approximation x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2 used by GPT-2.
 */
export function gelu(x: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  const inner =
    approximate === 'tanh'
      ? tanh(mul(add(x, mul(mul(mul(x, x), x), 0.044715)), SQRT_2_OVER_PI))
      : erf(mul(x, Math.SQRT1_2));
  return mul(mul(x, 0.5), add(inner, 1));
}

/** log(1 + e^x) computed stably as max(x, 0) + log(1 + e^-|x|). */
export function softplus(x: Tensor): Tensor {
  return add(maximum(x, 0), log(add(exp(neg(abs(x))), 1)));
}

/** x * sigmoid(x). */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x));
}
