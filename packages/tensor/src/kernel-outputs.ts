/**
 * Which kernel outputs must start zero-filled. Dispatch gives every kernel a fresh `out`; most
 * kernels store every element of it, and zero-filling that storage first is pure cost (on the
 * CPU it profiled at 0.7 ms of a 15 ms MLP training step and 3.8 ms of a 45 ms tiny-GPT step;
 * 0.15 and 0.8 ms once overwritten outputs skip it, `pnpm bench profile`). So
 * dispatch asks the backend for storage without the fill (`Backend.alloc(dtype, size, false)`)
 * when the primitive's row below says `overwrites`, and for zeros otherwise.
 *
 * A row says `overwrites` only if EVERY kernel of the primitive, in every backend and kernel set
 * (the TypeScript kernels of backends/cpu, the generated wasm ones of backends/cpu/wasm, the WGSL
 * ones of backends/webgpu/wgsl), stores every element of `out` whenever it runs and returns
 * normally (a kernel that throws leaves `out` to be disposed unread). Kernels that accumulate into
 * `out`, or write only part of it, need `zeros`. When unsure, say `zeros`: it is only slower.
 *
 * Operands of size 0 never reach a kernel; their results (sum of nothing, matmul with K = 0) are
 * the zero fill itself, so `outputNeedsZeros` asks for zeros whenever an operand is empty.
 *
 * A mistake here is a silent wrong result, so the test projects run the whole suite with
 * `WEBGRAD_POISON_OUTPUTS=1`: the CPU backend then fills un-zeroed storage with NaN (floats) or
 * a sentinel (ints, bools), and an element a kernel failed to write shows up in every test that
 * reads it (backends/cpu/poison.ts).
 */
import type { KernelPrim } from './prims.js';

/** `overwrites`: every kernel writes all of `out`; `zeros`: some kernel relies on a zero-filled `out`. */
export type OutputStart = 'overwrites' | 'zeros';

/**
 * Elementwise kernels (TS elementwise.ts, wasm elementwise.ts, WGSL elementwise/fused) walk the
 * whole of `out`, one store per element; so do cast and contiguous (a strided copy).
 */
const ELEMENTWISE = 'overwrites';

export const KERNEL_OUTPUT_START = {
  neg: ELEMENTWISE,
  exp: ELEMENTWISE,
  log: ELEMENTWISE,
  sqrt: ELEMENTWISE,
  sin: ELEMENTWISE,
  cos: ELEMENTWISE,
  tanh: ELEMENTWISE,
  erf: ELEMENTWISE,
  floor: ELEMENTWISE,
  cast: ELEMENTWISE,
  add: ELEMENTWISE,
  sub: ELEMENTWISE,
  mul: ELEMENTWISE,
  div: ELEMENTWISE,
  pow: ELEMENTWISE,
  max: ELEMENTWISE,
  cmplt: ELEMENTWISE,
  cmpeq: ELEMENTWISE,
  floorDiv: ELEMENTWISE,
  remainder: ELEMENTWISE,
  where: ELEMENTWISE,
  contiguous: ELEMENTWISE,
  // TS reduce.ts folds into its own float64 accumulator and copies all of it into `out`; the wasm
  // row kernels store out[r] once per row; WGSL stores one accumulator per output element.
  sum: 'overwrites',
  maxReduce: 'overwrites',
  prod: 'overwrites',
  // The TS kernel fills `out` only when the pad value is not 0; with 0 it copies the interior and
  // leaves the border to the zero fill.
  pad: 'zeros',
  // The pieces tile `out` along the axis (dispatch drops empty pieces; the rest sum to its length).
  concat: 'overwrites',
  // One store per element of `out` (an out-of-range index throws first).
  gather: 'overwrites',
  // Today's kernels copy x into `out` before adding (TS) or compute each element whole (WGSL), so
  // none needs the fill; kept zeroed because an accumulating kernel is the natural next version
  // and the op is not hot. Flip it only with the poisoned suite green on every kernel set.
  scatterAdd: 'zeros',
  // TS stores every C block (and the thin path every element); the wasm kernel stores on the first
  // K block and adds on later ones, its vecmat zeroes C itself, matvec stores; WGSL stores each
  // element once. K = 0 has an empty operand, so it never gets here.
  matmul: 'overwrites',
  // Each lane writes all n positions of its permutation.
  argsort: 'overwrites',
} as const satisfies Record<KernelPrim, OutputStart>;

/**
 * Whether the output of `prim` on these operands must be allocated zero-filled.
 * @example outputNeedsZeros('add', [x, y]) // false unless x or y is empty: add writes every element
 */
export function outputNeedsZeros(prim: KernelPrim, operands: readonly { readonly size: number }[]): boolean {
  if (KERNEL_OUTPUT_START[prim] === 'zeros') return true;
  for (const t of operands) if (t.size === 0) return true;
  return false;
}
