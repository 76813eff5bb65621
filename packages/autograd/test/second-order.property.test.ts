/**
 * Second derivatives of every differentiable op-spec row: gradgradcheck (float64, CPU) compares
 * the derivative of each rule's VJP with central differences of that VJP, over the row's random
 * cases (broadcast shapes, size 0 and 1 dims, 0-d tensors, strided layouts; the prod and softplus
 * rows put exact zeros in on purpose). Edge points chosen by hand: second-order-edges.test.ts.
 *
 * Runs per row: FC_NUM_RUNS when set; else 20 under CI and 3 locally.
 */
import { gradgradcheck } from '@webgrad/autograd';
import { numRuns } from '../../tensor/test/spec/compare.js';
import { describeGradRows } from './op-spec-grad-rows.js';

describeGradRows('gradgradcheck of every differentiable op-spec row', gradgradcheck, numRuns(process.env.CI ? 20 : 3));
