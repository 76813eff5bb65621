/**
 * Batched matmul: C[b] = A[b] @ B[b] for strided A [..., M, K] and B [..., K, N].
 *
 * Register- and cache-blocked: A is packed into panels of 4 rows and B into panels of 4 columns
 * (k-major, zero-padded), so the inner kernel reads both sequentially and keeps a 4x4 block of C
 * in 16 local variables (8 loads per 16 multiply-adds). Rows of A are processed in chunks whose
 * panels fit in L2 while one panel of B stays in L1. Accumulation is in float64 (JS numbers).
 *
 * Measured (bench/matmul.ts): this reaches about 6 GFLOP/s, which is the scalar limit of V8's
 * code here (one mulsd + one addsd per multiply-add, two FP ports): float32 panels were ~20%
 * slower (a conversion per load), 4x8 / 8x4 / 8x8 blocks and other chunk sizes were within noise.
 * Products with M or N <= THIN_MAX skip packing (matmul-thin.ts).
 */
import type { View } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { THIN_MAX, thinMatmul } from './matmul-thin.js';
import { forEachRow, planWalk } from './strided.js';

const MR = 4;
const NR = 4;
/** Rows of A per chunk: 64 rows x K=1024 x 8 bytes = 512 KiB of packed A at most per chunk. */
const ROW_CHUNK = 64;

export function matmul(a: View, b: View, out: View): void {
  const nd = out.shape.length;
  const [M, N] = [out.shape[nd - 2] as number, out.shape[nd - 1] as number];
  const K = a.shape[nd - 1] as number;
  const batchShape = out.shape.slice(0, -2);
  const walk = planWalk(batchShape, [out.strides.slice(0, -2), a.strides.slice(0, -2), b.strides.slice(0, -2)]);
  const A = a.handle as TypedArray;
  const B = b.handle as TypedArray;
  const C = out.handle as TypedArray;
  const [aRs, aCs] = [a.strides[nd - 2] as number, a.strides[nd - 1] as number];
  const [bRs, bCs] = [b.strides[nd - 2] as number, b.strides[nd - 1] as number];
  const cRs = out.strides[nd - 2] as number;
  const thin = M <= THIN_MAX || N <= THIN_MAX;
  const packedB = new Float64Array(thin ? 0 : Math.ceil(N / NR) * NR * K);
  const packedA = new Float64Array(thin ? 0 : Math.ceil(Math.min(M, ROW_CHUNK) / MR) * MR * K);
  const scratch = new Float64Array(thin ? Math.max(M, N) : 0);
  forEachRow(walk, [out.offset, a.offset, b.offset], ([cOff, aOff0, bOff0]) => {
    // The batch walk yields one row per batch index: repeat it `inner` times with its strides.
    for (let t = 0; t < walk.inner; t++) {
      const co = (cOff as number) + t * (walk.innerStrides[0] as number);
      const ao = (aOff0 as number) + t * (walk.innerStrides[1] as number);
      const bo = (bOff0 as number) + t * (walk.innerStrides[2] as number);
      if (thin) {
        thinMatmul({ A, ao, aRs, aCs, B, bo, bRs, bCs, C, co, cRs, M, N, K }, scratch);
        continue;
      }
      packPanels(B, bo, bCs, bRs, N, K, NR, packedB);
      for (let i0 = 0; i0 < M; i0 += ROW_CHUNK) {
        const rows = Math.min(ROW_CHUNK, M - i0);
        packPanels(A, ao + i0 * aRs, aRs, aCs, rows, K, MR, packedA);
        multiplyPanels(packedA, packedB, C, co + i0 * cRs, cRs, rows, N, K);
      }
    }
  });
}

/**
 * Packs `count` lines (rows of A or columns of B; line i starts at off + i * lineStride, element k
 * at + k * elemStride) into panels of `width` lines: panel p holds, for each k, its `width` values.
 */
function packPanels(
  src: TypedArray,
  off: number,
  lineStride: number,
  elemStride: number,
  count: number,
  K: number,
  width: number,
  dst: Float64Array,
): void {
  const panels = Math.ceil(count / width);
  for (let p = 0; p < panels; p++) {
    const base = p * width * K;
    for (let w = 0; w < width; w++) {
      const line = p * width + w;
      if (line >= count) {
        for (let k = 0; k < K; k++) dst[base + k * width + w] = 0;
        continue;
      }
      let s = off + line * lineStride;
      for (let k = 0; k < K; k++, s += elemStride) dst[base + k * width + w] = src[s] as number;
    }
  }
}

function multiplyPanels(
  pa: Float64Array,
  pb: Float64Array,
  C: TypedArray,
  cOff: number,
  cRs: number,
  rows: number,
  N: number,
  K: number,
): void {
  for (let j = 0; j < N; j += NR) {
    const bBase = (j / NR) * NR * K;
    for (let i = 0; i < rows; i += MR) {
      const aBase = (i / MR) * MR * K;
      let c00 = 0,
        c01 = 0,
        c02 = 0,
        c03 = 0;
      let c10 = 0,
        c11 = 0,
        c12 = 0,
        c13 = 0;
      let c20 = 0,
        c21 = 0,
        c22 = 0,
        c23 = 0;
      let c30 = 0,
        c31 = 0,
        c32 = 0,
        c33 = 0;
      for (let k = 0, ak = aBase, bk = bBase; k < K; k++, ak += MR, bk += NR) {
        const a0 = pa[ak] as number,
          a1 = pa[ak + 1] as number,
          a2 = pa[ak + 2] as number,
          a3 = pa[ak + 3] as number;
        const b0 = pb[bk] as number,
          b1 = pb[bk + 1] as number,
          b2 = pb[bk + 2] as number,
          b3 = pb[bk + 3] as number;
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      const o = cOff + i * cRs + j;
      if (i + MR <= rows && j + NR <= N) {
        // Full block: direct stores (no temporary array on the hot path).
        C[o] = c00;
        C[o + 1] = c01;
        C[o + 2] = c02;
        C[o + 3] = c03;
        C[o + cRs] = c10;
        C[o + cRs + 1] = c11;
        C[o + cRs + 2] = c12;
        C[o + cRs + 3] = c13;
        C[o + 2 * cRs] = c20;
        C[o + 2 * cRs + 1] = c21;
        C[o + 2 * cRs + 2] = c22;
        C[o + 2 * cRs + 3] = c23;
        C[o + 3 * cRs] = c30;
        C[o + 3 * cRs + 1] = c31;
        C[o + 3 * cRs + 2] = c32;
        C[o + 3 * cRs + 3] = c33;
        continue;
      }
      const block = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
      const h = Math.min(MR, rows - i);
      const w = Math.min(NR, N - j);
      for (let r = 0; r < h; r++) {
        const row = o + r * cRs;
        for (let c = 0; c < w; c++) C[row + c] = block[r * 4 + c] as number;
      }
    }
  }
}
