/**
 * The op-spec table's vocabulary. One `OpSpec` row per op (primitive or composite); three suites
 * are driven by the same rows:
 *   - CPU vs reference  (packages/tensor/test/ops.property.test.ts)
 *   - WebGPU vs CPU     (packages/tensor/test/webgpu/parity.test.ts)
 *   - gradcheck         (packages/autograd/test/grad-ops.property.test.ts)
 *
 * A case is plain data (shapes, float64 values, layout flags) so it can be materialised on any
 * device and dtype, and fed to a reference written with naive loops over `Ref` arrays.
 */
import type { Tensor } from '@webgrad/tensor';
import type * as fc from 'fast-check';

/** A row-major array in float64: what references consume and produce. */
export interface Ref {
  shape: number[];
  data: number[];
}

/**
 * How an operand is laid out in memory when materialised, to exercise strided kernels:
 * 'contiguous'; 'transposed' (stored with the axes reversed, then transposed back: same values,
 * reversed strides); 'sliced' (stored inside a larger buffer and sliced out: non-zero offset,
 * step 2 on the last axis); 'reversed' (stored backwards and sliced with step -1 on every axis:
 * negative strides); 'broadcast' is expressed by shapes, not layouts.
 */
export type Layout = 'contiguous' | 'transposed' | 'sliced' | 'reversed';

export interface Operand extends Ref {
  /** The operand's dtype family: 'float' takes the suite's float dtype; others are fixed. */
  kind: 'float' | 'int32' | 'bool';
  layout: Layout;
}

export interface OpCase {
  inputs: Operand[];
  /** Op parameters drawn with the case (axes, keepdims, slice ranges, ...). */
  params: Record<string, unknown>;
}

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface OpSpec {
  name: string;
  /** Random cases in the op's domain (kinks such as relu at 0 are kept away by the generator). */
  cases: fc.Arbitrary<OpCase>;
  /** Runs the op under test. */
  apply(inputs: Tensor[], params: Record<string, unknown>): Tensor;
  /** The naive float64 reference. */
  reference(inputs: Ref[], params: Record<string, unknown>): Ref;
  /** Output compared exactly (ints, bools, argmax) rather than within tolerance. */
  exact?: boolean;
  /** Indices of inputs that gradcheck differentiates; omitted or [] = not differentiable. */
  gradInputs?: number[];
  /** Tolerances for float32 results against the float64 reference (default atol 1e-5, rtol 1e-4). */
  f32?: Tolerance;
  /** Gradcheck tolerances, when the defaults need a documented reason to differ. */
  grad?: Partial<Tolerance> & { eps?: number };
}
