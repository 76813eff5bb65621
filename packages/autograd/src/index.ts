/**
 * @webgrad/autograd: automatic differentiation for @webgrad/tensor, reverse mode (grad, vjp) and
 * forward mode (jvp, linearize), with Jacobians and Hessians built from both. Importing it
 * installs the tape and the forward-mode engine (two dispatch observers).
 * @example
 *   import { grad } from '@webgrad/autograd';
 *   const dx = grad((x: Tensor) => x.tanh().sum())(x);
 * @module @webgrad/autograd
 */
import { installForward } from './forward.js';
import { installTape } from './tape.js';

installTape();
installForward();

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
export { BatchTracer } from './batch-tracer.js';
export {
  BATCH_RULES,
  type BatchContext,
  type Batched,
  type BatchedOut,
  type BatchRule,
  unbatchable,
} from './batching-rules.js';
export { type CheckGradsOptions, type CheckGradsReport, type CheckGradsWorst, checkGrads } from './check-grads.js';
export { type CustomRuleOptions, type CustomTangent, customJvp } from './custom-jvp.js';
export { customVjp } from './custom-vjp.js';
export type { Cotangents, GradAt, GradsAt, SomeGrads } from './grad-types.js';
export {
  type GradcheckOptions,
  type GradcheckReport,
  type GradcheckWorst,
  gradcheck,
  gradgradcheck,
} from './gradcheck.js';
export { type DotOptions, dotString, toDot } from './graph-dot.js';
export { hessian, hvp, type JacobianOptions, jacfwd, jacrev } from './jacobians.js';
export { type JvpOptions, jvp } from './jvp.js';
export { JVP_RULES, type Jvp, type Tangent } from './jvp-rules.js';
export { linearize } from './linearize.js';
export type { PrimInputs, PrimTangents } from './prim-inputs.js';
export { flatten, type PyTree } from './pytree.js';
export { RULES, type Vjp } from './rules.js';
export type { CustomBackward } from './tape.js';
export { type AxisSpec, type VmapOptions, vmap } from './vmap.js';
