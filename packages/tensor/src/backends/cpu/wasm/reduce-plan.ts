/**
 * Which reductions the generated kernels can take: the operand must be dense (every element once,
 * no gaps, positive strides; any permutation of a row-major layout, so a transposed view counts)
 * and, read in memory order with adjacent kept / reduced axes merged, be one of
 *
 *   [R]  [K, R]          rows:    out[k] = reduce of a contiguous run of R      (rsum / rmax)
 *   [R, C]  [K, R, C]    columns: out[k, c] = reduce over r of x[k, r, c]       (csum / cmax)
 *
 * with the kept axes in memory order matching their order in the output (which is row-major), so
 * the output is addressed contiguously. Anything else runs on the TS kernel.
 */

/** The operand as [outer, reduced, inner] in memory order; inner = 1 means rows. */
export interface ReducePlan {
  outer: number;
  reduced: number;
  inner: number;
}

/**
 * The plan for reducing a view of `shape` / `strides` over `axes`, or undefined when the layout
 * is not one the kernels take.
 * @example planReduce([1024, 128], [128, 1], [0]); // { outer: 1, reduced: 1024, inner: 128 }
 */
export function planReduce(
  shape: readonly number[],
  strides: readonly number[],
  axes: readonly number[],
): ReducePlan | undefined {
  // Size-1 axes take no part; the rest in memory order (largest stride first).
  const dims = shape.map((_, i) => i).filter((i) => (shape[i] as number) !== 1);
  if (dims.some((i) => (strides[i] as number) <= 0)) return undefined;
  dims.sort((i, j) => (strides[j] as number) - (strides[i] as number));
  let expected = 1;
  for (let k = dims.length - 1; k >= 0; k--) {
    const i = dims[k] as number;
    if (strides[i] !== expected) return undefined; // a gap or an overlap
    expected *= shape[i] as number;
  }
  // Kept axes must come in increasing order (the output's row-major order).
  const kept = dims.filter((i) => !axes.includes(i));
  if (kept.some((a, k) => k > 0 && a < (kept[k - 1] as number))) return undefined;
  // Merge runs of kept / reduced axes: [reduced?, size] segments.
  const segments: [boolean, number][] = [];
  for (const i of dims) {
    const reduced = axes.includes(i);
    const last = segments[segments.length - 1];
    if (last && last[0] === reduced) last[1] *= shape[i] as number;
    else segments.push([reduced, shape[i] as number]);
  }
  const pattern = segments.map(([reduced]) => (reduced ? 'R' : 'K')).join('');
  const size = (k: number) => (segments[k] as [boolean, number])[1];
  switch (pattern) {
    case 'R':
      return { outer: 1, reduced: size(0), inner: 1 };
    case 'KR':
      return { outer: size(0), reduced: size(1), inner: 1 };
    case 'RK':
      return { outer: 1, reduced: size(0), inner: size(1) };
    case 'KRK':
      return { outer: size(0), reduced: size(1), inner: size(2) };
    default:
      return undefined;
  }
}
