/**
 * The matmul module: per dtype, pack and tile functions (matmul-kernel.ts) and the exported
 * driver `matmul_f32` / `matmul_f64`:
 *
 *   matmul(A, B, C, offsets, b0, b1, r0, r1, M, N, K, aRs, aCs, bRs, bCs, work)
 *
 * A, B, C are byte addresses of the operands' storage; `offsets` holds, per batch item, three
 * i32 element offsets (C, A, B); strides are in elements; C is contiguous with rows of N.
 * `work` is this thread's scratch: packed B (ceil(N / NR) * NR * KC elements), then packed A
 * (MC * KC), then an MR x NR block (workBytes tells the size).
 */
import { emitGemv } from './gemv-kernel.js';
import { MAX_PAGES } from './heap.js';
import { emitPack, emitTile, F32, F64, type FloatType, KC, MC, MR, minI32 } from './matmul-kernel.js';
import { ModuleBuilder } from './module-builder.js';
import { OP } from './opcodes.js';

/** Scratch bytes one thread needs for a product with N columns. */
export function workBytes(t: FloatType, N: number): number {
  return (Math.ceil(N / t.nr) * t.nr * KC + MC * KC + MR * t.nr) * t.bytes;
}

function emitDriver(m: ModuleBuilder, t: FloatType, packB: number, packA: number, tile: number): void {
  const params = Array.from({ length: 16 }, () => 'i32' as const);
  m.func(`matmul_${t.name}`, params, [], (c) => {
    const [A, B, C, offsets, b0, b1, r0, r1] = [0, 1, 2, 3, 4, 5, 6, 7];
    const [N, K, aRs, aCs, bRs, bCs, work] = [9, 10, 11, 12, 13, 14, 15]; // 8 is M (rows come as r0, r1)
    const v = () => c.local('i32');
    const [b, o, aB, bB, cB, k0, kc, i0, mc] = [v(), v(), v(), v(), v(), v(), v(), v(), v()];
    const [j, i, pbq, packedA, tmp, kcBlock, rest, rows, cols] = [v(), v(), v(), v(), v(), v(), v(), v(), v()];
    const shl = () => c.i32(t.log2).op(OP.i32Shl);
    // packedA = work + ceil(N / NR) * NR * KC * bytes; tmp = packedA + MC * KC * bytes
    c.get(N)
      .i32(t.nr - 1)
      .op(OP.i32Add)
      .i32(t.nr)
      .op(OP.i32DivU)
      .i32(t.nr * KC)
      .op(OP.i32Mul);
    shl().get(work).op(OP.i32Add).set(packedA);
    c.get(packedA)
      .i32(MC * KC * t.bytes)
      .op(OP.i32Add)
      .set(tmp);
    c.i32(KC).set(kcBlock);
    c.forRange(
      b,
      () => c.get(b0),
      () => c.get(b1),
      1,
      () => {
        c.get(offsets).get(b).i32(12).op(OP.i32Mul).op(OP.i32Add).set(o);
        c.get(o).mem(OP.i32Load, 0);
        shl().get(C).op(OP.i32Add).set(cB);
        c.get(o).mem(OP.i32Load, 4);
        shl().get(A).op(OP.i32Add).set(aB);
        c.get(o).mem(OP.i32Load, 8);
        shl().get(B).op(OP.i32Add).set(bB);
        c.forRange(
          k0,
          () => c.i32(0),
          () => c.get(K),
          KC,
          () => {
            c.get(K).get(k0).op(OP.i32Sub).set(rest);
            minI32(c, kcBlock, rest).set(kc);
            // B rows k0.. as NR-column panels: lines are columns (stride bCs), elements rows (bRs).
            c.get(bB).get(k0).get(bRs).op(OP.i32Mul);
            shl().op(OP.i32Add).get(bCs).get(bRs).get(N).get(kc).get(work).call(packB);
            c.forRange(
              i0,
              () => c.get(r0),
              () => c.get(r1),
              MC,
              () => {
                c.get(r1).get(i0).op(OP.i32Sub).set(rest);
                c.i32(MC).set(mc);
                minI32(c, mc, rest).set(mc);
                // A rows i0.. columns k0.. as MR-row panels.
                c.get(aB).get(i0).get(aRs).op(OP.i32Mul).get(k0).get(aCs).op(OP.i32Mul).op(OP.i32Add);
                shl().op(OP.i32Add).get(aRs).get(aCs).get(mc).get(kc).get(packedA).call(packA);
                c.forRange(
                  j,
                  () => c.i32(0),
                  () => c.get(N),
                  t.nr,
                  () => {
                    // Panel j / NR of B starts at work + j * kc * bytes.
                    c.get(j).get(kc).op(OP.i32Mul);
                    shl().get(work).op(OP.i32Add).set(pbq);
                    c.get(N).get(j).op(OP.i32Sub).set(rest);
                    c.i32(t.nr).set(cols);
                    minI32(c, cols, rest).set(cols);
                    c.forRange(
                      i,
                      () => c.i32(0),
                      () => c.get(mc),
                      MR,
                      () => {
                        c.get(mc).get(i).op(OP.i32Sub).set(rest);
                        c.i32(MR).set(rows);
                        minI32(c, rows, rest).set(rows);
                        c.get(i).get(kc).op(OP.i32Mul);
                        shl().get(packedA).op(OP.i32Add); // pa
                        c.get(pbq).get(kc); // pb, kc
                        c.get(i0).get(i).op(OP.i32Add).get(N).op(OP.i32Mul).get(j).op(OP.i32Add);
                        shl().get(cB).op(OP.i32Add); // address of C[i0 + i, j]
                        c.get(N); // row bytes
                        shl();
                        c.get(k0).op(OP.i32Eqz); // first K block: store, else add
                        c.get(rows).get(cols).get(tmp).call(tile);
                      },
                    );
                  },
                );
              },
            );
          },
        );
      },
    );
  });
}

/** The module's bytes (imports a shared memory of up to MAX_PAGES). */
export function matmulModuleBytes(): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ shared: true, minPages: 1, maxPages: MAX_PAGES });
  for (const t of [F32, F64]) {
    const packB = emitPack(m, t, t.nr);
    const packA = emitPack(m, t, MR);
    const tile = emitTile(m, t);
    emitDriver(m, t, packB, packA, tile);
    emitGemv(m, t);
  }
  return m.emit();
}
