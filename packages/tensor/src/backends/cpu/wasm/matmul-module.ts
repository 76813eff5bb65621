/**
 * The matmul module: per dtype, pack and tile functions (matmul-kernel.ts) and three exported
 * drivers. Addresses are bytes, strides elements; C is contiguous with rows of N.
 *
 *   packb(B, N, K, bRs, bCs, dst, p0, p1)
 *       panels [p0, p1) of B (NR columns each) for every K block, into the packed-B layout:
 *       K block k0 starts at element k0 * Npad of dst (Npad = N rounded up to NR), and inside
 *       it panel p at p * NR * kc. Threads pack disjoint panel ranges of one shared copy.
 *   rows(A, C, packedB, r0, r1, j0, j1, N, K, aRs, aCs, work)
 *       the block rows [r0, r1) x columns [j0, j1) of C = A @ B from a packed B (j0 a multiple
 *       of NR): per K block, MC rows of A at a time are packed into `work` (MC * KC elements,
 *       then an MR x NR block for partial tiles) and multiplied with the block's panels.
 *       Threads run disjoint blocks.
 *   matmul(A, B, C, offsets, b0, b1, M, N, K, aRs, aCs, bRs, bCs, work)
 *       batch items [b0, b1) on one thread: `offsets` holds three i32 element offsets per item
 *       (C, A, B); each item's B is packed into `work`, then all its rows are run.
 *
 * The work is the same in every driver (the same K blocks, tiles and order of additions per
 * element of C), so a product is bit-identical however it is split between threads.
 */
import { emitGemv } from './gemv-kernel.js';
import { MAX_PAGES } from './heap.js';
import { emitPack, emitTile, F32, F64, type FloatType, KC, MC, MR, minI32 } from './matmul-kernel.js';
import type { Code } from './module-builder.js';
import { ModuleBuilder } from './module-builder.js';
import { OP } from './opcodes.js';

/** Elements of a packed B for a K x N operand: K rows of N rounded up to whole panels. */
export function packedBElements(t: FloatType, N: number, K: number): number {
  return K * Math.ceil(N / t.nr) * t.nr;
}

/** Scratch bytes of one thread for `rows`: a packed block of A and one MR x NR tile. */
export function rowsWorkBytes(t: FloatType): number {
  return (MC * KC + MR * t.nr) * t.bytes;
}

/** Scratch bytes of one thread for `matmul` (its own packed B, then the rows scratch). */
export function batchWorkBytes(t: FloatType, N: number, K: number): number {
  return packedBElements(t, N, K) * t.bytes + rowsWorkBytes(t);
}

/**
 * `for (k0 = 0; k0 < K; k0 += kcBlock) body()`, with K cut into ceil(K / KC) blocks of equal
 * size (up to one): K = 784 runs as 4 x 196, not 3 x 256 + 16, whose last block would pay a
 * tile's load and store of C for 16 steps. Sets `kcBlock`; `kc` is the current block's size.
 */
function forKBlocks(c: Code, K: number, k0: number, kc: number, kcBlock: number, rest: number, body: () => void) {
  // kcBlock = ceil(K / ceil(K / KC))
  c.get(K)
    .get(K)
    .i32(KC - 1)
    .op(OP.i32Add)
    .i32(KC)
    .op(OP.i32DivU)
    .tee(kcBlock)
    .op(OP.i32Add)
    .i32(1)
    .op(OP.i32Sub)
    .get(kcBlock)
    .op(OP.i32DivU)
    .set(kcBlock);
  c.i32(0).set(k0);
  c.block(() =>
    c.loop(() => {
      c.get(k0).get(K).op(OP.i32GeS).brIf(1);
      c.get(K).get(k0).op(OP.i32Sub).set(rest);
      minI32(c, kcBlock, rest).set(kc);
      body();
      c.get(k0).get(kcBlock).op(OP.i32Add).set(k0).br(0);
    }),
  );
}

/** Pushes ceil(N / NR) * NR (local N). */
function paddedN(c: Code, t: FloatType, N: number): Code {
  return c
    .get(N)
    .i32(t.nr - 1)
    .op(OP.i32Add)
    .i32(-t.nr)
    .op(OP.i32And);
}

function emitPackB(m: ModuleBuilder, t: FloatType, pack: number): number {
  return m.func(`packb_${t.name}`, ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [B, N, K, bRs, bCs, dst, p0, p1] = [0, 1, 2, 3, 4, 5, 6, 7];
    const [npad, k0, kc, rest, lines] = [
      c.local('i32'),
      c.local('i32'),
      c.local('i32'),
      c.local('i32'),
      c.local('i32'),
    ];
    const kcBlock = c.local('i32');
    const shl = () => c.i32(t.log2).op(OP.i32Shl);
    paddedN(c, t, N).set(npad);
    // Columns p0 * NR .. min(N, p1 * NR).
    c.get(p1).i32(t.nr).op(OP.i32Mul).set(rest);
    minI32(c, rest, N).get(p0).i32(t.nr).op(OP.i32Mul).op(OP.i32Sub).set(lines);
    forKBlocks(c, K, k0, kc, kcBlock, rest, () => {
      // src = B + (k0 * bRs + p0 * NR * bCs) elements: lines are columns, elements rows.
      c.get(k0).get(bRs).op(OP.i32Mul);
      c.get(p0).i32(t.nr).op(OP.i32Mul).get(bCs).op(OP.i32Mul).op(OP.i32Add);
      shl().get(B).op(OP.i32Add);
      c.get(bCs).get(bRs).get(lines).get(kc);
      // dst + (k0 * Npad + p0 * NR * kc) elements
      c.get(k0).get(npad).op(OP.i32Mul);
      c.get(p0).i32(t.nr).op(OP.i32Mul).get(kc).op(OP.i32Mul).op(OP.i32Add);
      shl().get(dst).op(OP.i32Add);
      c.call(pack);
    });
  });
}

function emitRows(m: ModuleBuilder, t: FloatType, packA: number, tile: number): number {
  const params = Array.from({ length: 12 }, () => 'i32' as const);
  return m.func(`rows_${t.name}`, params, [], (c) => {
    const [A, C, packedB, r0, r1, j0, j1, N, K, aRs, aCs, work] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
    const v = () => c.local('i32');
    const [npad, k0, kc, i0, mc, j, i, pbq, tmp] = [v(), v(), v(), v(), v(), v(), v(), v(), v()];
    const [kcBlock, rest, rows, cols] = [v(), v(), v(), v()];
    const shl = () => c.i32(t.log2).op(OP.i32Shl);
    paddedN(c, t, N).set(npad);
    c.get(work)
      .i32(MC * KC * t.bytes)
      .op(OP.i32Add)
      .set(tmp);
    forKBlocks(c, K, k0, kc, kcBlock, rest, () => {
      c.forRange(
        i0,
        () => c.get(r0),
        () => c.get(r1),
        MC,
        () => {
          c.get(r1).get(i0).op(OP.i32Sub).set(rest);
          c.i32(MC).set(mc);
          minI32(c, mc, rest).set(mc);
          // A rows i0.., columns k0.. as MR-row panels.
          c.get(i0).get(aRs).op(OP.i32Mul).get(k0).get(aCs).op(OP.i32Mul).op(OP.i32Add);
          shl().get(A).op(OP.i32Add).get(aRs).get(aCs).get(mc).get(kc).get(work).call(packA);
          c.forRange(
            j,
            () => c.get(j0),
            () => c.get(j1),
            t.nr,
            () => {
              // Panel j / NR of K block k0: packedB + (k0 * Npad + j * kc) elements.
              c.get(k0).get(npad).op(OP.i32Mul).get(j).get(kc).op(OP.i32Mul).op(OP.i32Add);
              shl().get(packedB).op(OP.i32Add).set(pbq);
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
                  shl().get(work).op(OP.i32Add); // pa
                  c.get(pbq).get(kc); // pb, kc
                  c.get(i0).get(i).op(OP.i32Add).get(N).op(OP.i32Mul).get(j).op(OP.i32Add);
                  shl().get(C).op(OP.i32Add); // address of C[i0 + i, j]
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
    });
  });
}

function emitBatched(m: ModuleBuilder, t: FloatType, packB: number, rows: number): void {
  const params = Array.from({ length: 14 }, () => 'i32' as const);
  m.func(`matmul_${t.name}`, params, [], (c) => {
    const [A, B, C, offsets, b0, b1, M, N, K, aRs, aCs, bRs, bCs, work] = [
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    ];
    const [b, o, aB, bB, cB, rowsWork] = [
      c.local('i32'),
      c.local('i32'),
      c.local('i32'),
      c.local('i32'),
      c.local('i32'),
      c.local('i32'),
    ];
    const shl = () => c.i32(t.log2).op(OP.i32Shl);
    // rowsWork = work + K * Npad * bytes
    paddedN(c, t, N).get(K).op(OP.i32Mul);
    shl().get(work).op(OP.i32Add).set(rowsWork);
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
        // packb(bB, N, K, bRs, bCs, work, 0, ceil(N / NR))
        c.get(bB).get(N).get(K).get(bRs).get(bCs).get(work).i32(0);
        paddedN(c, t, N).i32(t.nr).op(OP.i32DivU).call(packB);
        // rows(aB, cB, work, 0, M, 0, N, N, K, aRs, aCs, rowsWork)
        c.get(aB)
          .get(cB)
          .get(work)
          .i32(0)
          .get(M)
          .i32(0)
          .get(N)
          .get(N)
          .get(K)
          .get(aRs)
          .get(aCs)
          .get(rowsWork)
          .call(rows);
      },
    );
  });
}

/** The module's bytes (imports a shared memory of up to MAX_PAGES). */
export function matmulModuleBytes(): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ shared: true, minPages: 1, maxPages: MAX_PAGES });
  for (const t of [F32, F64]) {
    const pack = emitPack(m, t, t.nr);
    const packA = emitPack(m, t, MR);
    const tile = emitTile(m, t);
    const packB = emitPackB(m, t, pack);
    const rows = emitRows(m, t, packA, tile);
    emitBatched(m, t, packB, rows);
    emitGemv(m, t);
  }
  return m.emit();
}
