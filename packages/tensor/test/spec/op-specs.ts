/**
 * THE op-spec table: one row per op, driving the CPU-vs-reference suite, the WebGPU parity suite
 * and autograd's gradcheck suite. Row format: ./op-spec.ts. Rows live in one file per family.
 */
import type { OpSpec } from './op-spec.js';
import { BLOCK_SPECS } from './op-specs-blocks.js';
import { ELEMENTWISE_SPECS } from './op-specs-elementwise.js';
import { MOVEMENT_SPECS } from './op-specs-movement.js';
import { REDUCE_SPECS } from './op-specs-reduce.js';
import { ROUNDING_SPECS } from './op-specs-rounding.js';
import { VIEW_SPECS } from './op-specs-views.js';

export type { Layout, OpCase, Operand, OpSpec, Ref, Tolerance } from './op-spec.js';

export const OP_SPECS: OpSpec[] = [
  ...ELEMENTWISE_SPECS,
  ...REDUCE_SPECS,
  ...VIEW_SPECS,
  ...MOVEMENT_SPECS,
  ...BLOCK_SPECS,
  ...ROUNDING_SPECS,
];

/** The row named `name` (throws when there is none, so a renamed row fails loudly). */
export function opSpec(name: string): OpSpec {
  const row = OP_SPECS.find((r) => r.name === name);
  if (!row) throw new Error(`no op-spec row named '${name}'`);
  return row;
}
