/**
 * @webgrad/autograd: reverse-mode automatic differentiation for @webgrad/tensor. Importing it
 * installs the tape (a dispatch observer).
 * @example
 *   import { grad } from '@webgrad/autograd';
 *   const dx = grad((x: Tensor) => x.tanh().sum())(x);
 */
import { installTape } from './tape.js';

installTape();

export {
  backward,
  type GradOptions,
  grad,
  noGrad,
  stopGradient,
  stopGradient as detach,
  type ValueAndGradOptions,
  valueAndGrad,
  vjp,
} from './api.js';
export { unbroadcast } from './backward.js';
export { customVjp } from './custom-vjp.js';
export {
  type GradcheckOptions,
  type GradcheckReport,
  type GradcheckWorst,
  gradcheck,
  gradgradcheck,
} from './gradcheck.js';
export { flatten, type PyTree } from './pytree.js';
export { RULES, type Vjp } from './rules.js';
export type { CustomBackward } from './tape.js';
