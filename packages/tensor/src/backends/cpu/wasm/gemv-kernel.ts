/**
 * Matrix-vector products without packing (packing a 1-row operand into 4-row panels would cost
 * as much as the product, and compute 3 zero rows):
 *
 *   vecmat_<t>(x, xStride, B, bRowBytes, C, K, N)   C[0, :] = sum_k x[k] B[k, :]  (B rows contiguous)
 *   matvec_<t>(A, aRowBytes, x, C, M, K)            C[i, 0] = sum_k A[i, k] x[k]  (A rows, x contiguous)
 *
 * Byte addresses; vecmat accumulates each column in k order (an axpy per k, C stays in L1),
 * matvec keeps two vector partial sums per row. Both are within the usual gamma_K bound.
 */
import type { FloatType } from './matmul-kernel.js';
import type { Code, ModuleBuilder } from './module-builder.js';
import { OP } from './opcodes.js';

export function emitGemv(m: ModuleBuilder, t: FloatType): void {
  const zero = (c: Code) => (t.bytes === 4 ? c.f32(0) : c.f64(0));
  m.func(`vecmat_${t.name}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [x, xStride, B, bRowBytes, C, K, N] = [0, 1, 2, 3, 4, 5, 6];
    const [k, j, end, vend, row] = [c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32')];
    const s = c.local('v128');
    c.get(N).i32(t.log2).op(OP.i32Shl).set(end);
    c.get(N)
      .i32(-(16 / t.bytes))
      .op(OP.i32And)
      .i32(t.log2)
      .op(OP.i32Shl)
      .set(vend);
    // C = 0
    c.forRange(
      j,
      () => c.i32(0),
      () => c.get(end),
      t.bytes,
      () => {
        c.get(C).get(j).op(OP.i32Add);
        zero(c).mem(t.store);
      },
    );
    c.get(B).set(row);
    c.forRange(
      k,
      () => c.i32(0),
      () => c.get(K),
      1,
      () => {
        c.get(x).mem(t.load).simd(t.splat).set(s);
        c.forRange(
          j,
          () => c.i32(0),
          () => c.get(vend),
          16,
          () => {
            c.get(C).get(j).op(OP.i32Add);
            c.get(C).get(j).op(OP.i32Add).v128Load();
            c.get(s).get(row).get(j).op(OP.i32Add).v128Load().simd(t.vmul).simd(t.vadd).v128Store();
          },
        );
        c.forRange(
          j,
          () => c.get(vend),
          () => c.get(end),
          t.bytes,
          () => {
            c.get(C).get(j).op(OP.i32Add);
            c.get(C).get(j).op(OP.i32Add).mem(t.load);
            c.get(x)
              .mem(t.load)
              .get(row)
              .get(j)
              .op(OP.i32Add)
              .mem(t.load)
              .op(t.bytes === 4 ? OP.f32Mul : OP.f64Mul);
            c.op(t.add).mem(t.store);
          },
        );
        c.get(x).get(xStride).op(OP.i32Add).set(x);
        c.get(row).get(bRowBytes).op(OP.i32Add).set(row);
      },
    );
  });

  const lanes = 16 / t.bytes;
  const [extract, hadd] = t.bytes === 4 ? [0x1f, OP.f32Add] : [0x21, OP.f64Add];
  m.func(`matvec_${t.name}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [A, aRowBytes, x, C, M, K] = [0, 1, 2, 3, 4, 5];
    const [i, k, end, vend, row] = [c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32'), c.local('i32')];
    const [acc, total] = [c.local('v128'), c.local(t.name)];
    c.get(K).i32(t.log2).op(OP.i32Shl).set(end);
    c.get(K).i32(-lanes).op(OP.i32And).i32(t.log2).op(OP.i32Shl).set(vend);
    c.get(A).set(row);
    c.forRange(
      i,
      () => c.i32(0),
      () => c.get(M),
      1,
      () => {
        zero(c).simd(t.splat).set(acc);
        c.forRange(
          k,
          () => c.i32(0),
          () => c.get(vend),
          16,
          () => {
            c.get(acc).get(row).get(k).op(OP.i32Add).v128Load();
            c.get(x).get(k).op(OP.i32Add).v128Load().simd(t.vmul).simd(t.vadd).set(acc);
          },
        );
        zero(c).set(total);
        for (let lane = 0; lane < lanes; lane++) c.get(total).get(acc).lane(extract, lane).op(hadd).set(total);
        c.forRange(
          k,
          () => c.get(vend),
          () => c.get(end),
          t.bytes,
          () => {
            c.get(total).get(row).get(k).op(OP.i32Add).mem(t.load);
            c.get(x)
              .get(k)
              .op(OP.i32Add)
              .mem(t.load)
              .op(t.bytes === 4 ? OP.f32Mul : OP.f64Mul)
              .op(hadd)
              .set(total);
          },
        );
        c.get(C).get(i).i32(t.log2).op(OP.i32Shl).op(OP.i32Add).get(total).mem(t.store);
        c.get(row).get(aRowBytes).op(OP.i32Add).set(row);
      },
    );
  });
}
