/**
 * Matrix-vector shaped products (M or N at most THIN_MAX), where packing operands into register
 * panels would cost more than the product itself (packing all of B for one row of A reads B
 * twice) and the zero-padded 4x4 blocks would waste up to 4x the arithmetic. Each output row or
 * column is produced by the loop order that walks the large operand along its unit stride:
 * dot products when the reduced axis is the contiguous one, axpy updates otherwise.
 * Accumulation is in float64 (JS numbers), like the blocked kernel.
 */
import type { TypedArray } from '../../dtype.js';

/** Products with M or N up to this go through the thin path. */
export const THIN_MAX = 2;

/** One [M, K] @ [K, N] product of strided operands into contiguous rows of C. */
export interface Operands {
  A: TypedArray;
  ao: number;
  aRs: number;
  aCs: number;
  B: TypedArray;
  bo: number;
  bRs: number;
  bCs: number;
  C: TypedArray;
  co: number;
  cRs: number;
  M: number;
  N: number;
  K: number;
}

export function thinMatmul(p: Operands, scratch: Float64Array): void {
  if (p.M <= THIN_MAX && (p.N > THIN_MAX || p.M <= p.N)) rowsOfA(p, scratch);
  else columnsOfB(p, scratch);
}

/** Each of the few rows of C: C[i, :] = sum_k A[i, k] B[k, :]. */
function rowsOfA(p: Operands, acc: Float64Array): void {
  const { A, B, C, aRs, aCs, bRs, bCs, M, N, K } = p;
  // Dot products when B's columns are contiguous in k (B stored transposed), else axpy over rows of B.
  const dot = Math.abs(bRs) < Math.abs(bCs);
  for (let i = 0; i < M; i++) {
    const ai = p.ao + i * aRs;
    const ci = p.co + i * p.cRs;
    if (dot) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0, a = ai, b = p.bo + j * bCs; k < K; k++, a += aCs, b += bRs)
          s += (A[a] as number) * (B[b] as number);
        C[ci + j] = s;
      }
      continue;
    }
    acc.fill(0, 0, N);
    for (let k = 0, a = ai, bk = p.bo; k < K; k++, a += aCs, bk += bRs) {
      const x = A[a] as number;
      for (let j = 0, b = bk; j < N; j++, b += bCs) acc[j] = (acc[j] as number) + x * (B[b] as number);
    }
    for (let j = 0; j < N; j++) C[ci + j] = acc[j] as number;
  }
}

/** Each of the few columns of C: C[:, j] = sum_k A[:, k] B[k, j]. */
function columnsOfB(p: Operands, acc: Float64Array): void {
  const { A, B, C, aRs, aCs, bRs, bCs, cRs, M, N, K } = p;
  // Dot products when A's rows are contiguous in k, else axpy over columns of A (A stored transposed).
  const dot = Math.abs(aCs) <= Math.abs(aRs);
  for (let j = 0; j < N; j++) {
    const bj = p.bo + j * bCs;
    const cj = p.co + j;
    if (dot) {
      for (let i = 0; i < M; i++) {
        let s = 0;
        for (let k = 0, a = p.ao + i * aRs, b = bj; k < K; k++, a += aCs, b += bRs)
          s += (A[a] as number) * (B[b] as number);
        C[cj + i * cRs] = s;
      }
      continue;
    }
    acc.fill(0, 0, M);
    for (let k = 0, ak = p.ao, b = bj; k < K; k++, ak += aCs, b += bRs) {
      const y = B[b] as number;
      for (let i = 0, a = ak; i < M; i++, a += aRs) acc[i] = (acc[i] as number) + (A[a] as number) * y;
    }
    for (let i = 0; i < M; i++) C[cj + i * cRs] = acc[i] as number;
  }
}
