/**
 * Generator of the reduction module: sums and maxima over contiguous rows,
 *
 *   rsum_<t>(x, out, rows, n)   rmax_<t>(x, out, rows, n)
 *
 * out[r] = sum / max of x[r * n .. r * n + n) (byte addresses, contiguous). Sums accumulate in
 * float64 as the TS kernel does (float32 pairs are widened with f64x2.promote_low_f32x4), in two
 * vector accumulators; maxima use the NaN-propagating wasm max, exact in any order. Reductions
 * over a middle axis (columns) are column-reduce-kernel.ts's csum_<t> / cmax_<t>, in this module too.
 */
import { emitColumnReductions } from './column-reduce-kernel.js';
import { emitStreamingColumnReductions } from './column-stream-kernel.js';
import { MAX_PAGES } from './heap.js';
import { F32, F64, type FloatType } from './matmul-kernel.js';
import { type Code, ModuleBuilder } from './module-builder.js';
import { OP, SIMD } from './opcodes.js';

/** for (p = from; p < to; p += step) over byte addresses (unsigned compare). */
function span(c: Code, p: number, to: () => void, step: number, body: () => void): void {
  c.block(() =>
    c.loop(() => {
      c.get(p).i32(step).op(OP.i32Add);
      to();
      c.op(OP.i32GtU).brIf(1);
      body();
      c.get(p).i32(step).op(OP.i32Add).set(p).br(0);
    }),
  );
}

function emitSum(m: ModuleBuilder, t: FloatType): void {
  m.func(`rsum_${t.name}`, ['i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [x, out, rows, n] = [0, 1, 2, 3];
    const [r, p, end] = [c.local('i32'), c.local('i32'), c.local('i32')];
    const [acc0, acc1] = [c.local('v128'), c.local('v128')];
    const tail = c.local('f64');
    const widen = (offset: number) => {
      if (t === F32) c.get(p).mem(SIMD.v128Load64Zero, offset, 0, true).simd(SIMD.f64x2PromoteLowF32x4);
      else c.get(p).v128Load(offset);
    };
    c.get(x).set(p);
    c.forRange(
      r,
      () => c.i32(0),
      () => c.get(rows),
      1,
      () => {
        c.get(p).get(n).i32(t.log2).op(OP.i32Shl).op(OP.i32Add).set(end);
        c.f64(0).simd(SIMD.f64x2Splat).tee(acc0).set(acc1);
        c.f64(0).set(tail);
        // 4 float32 (or 4 float64) per step: two f64x2 accumulators.
        const step = 4 * t.bytes;
        span(
          c,
          p,
          () => c.get(end),
          step,
          () => {
            c.get(acc0);
            widen(0);
            c.simd(SIMD.f64x2Add).set(acc0);
            c.get(acc1);
            widen(step / 2);
            c.simd(SIMD.f64x2Add).set(acc1);
          },
        );
        span(
          c,
          p,
          () => c.get(end),
          t.bytes,
          () => {
            c.get(tail).get(p).mem(t.load);
            if (t === F32) c.op(OP.f64PromoteF32);
            c.op(OP.f64Add).set(tail);
          },
        );
        // out[r] = (lanes of acc0 + acc1) + tail
        c.get(out).get(r).i32(t.log2).op(OP.i32Shl).op(OP.i32Add);
        c.get(acc0).get(acc1).simd(SIMD.f64x2Add).tee(acc0).lane(SIMD.f64x2ExtractLane, 0);
        c.get(acc0).lane(SIMD.f64x2ExtractLane, 1).op(OP.f64Add).get(tail).op(OP.f64Add);
        if (t === F32) c.op(OP.f32DemoteF64);
        c.mem(t.store);
      },
    );
  });
}

function emitMax(m: ModuleBuilder, t: FloatType): void {
  const [vmax, smax, lanes, extract] =
    t === F32
      ? [SIMD.f32x4Max, OP.f32Max, 4, SIMD.f32x4ExtractLane]
      : [SIMD.f64x2Max, OP.f64Max, 2, SIMD.f64x2ExtractLane];
  m.func(`rmax_${t.name}`, ['i32', 'i32', 'i32', 'i32'], [], (c) => {
    const [x, out, rows, n] = [0, 1, 2, 3];
    const [r, p, end] = [c.local('i32'), c.local('i32'), c.local('i32')];
    const acc = c.local('v128');
    const best = c.local(t.name);
    const minusInfinity = () => (t === F32 ? c.f32(Number.NEGATIVE_INFINITY) : c.f64(Number.NEGATIVE_INFINITY));
    c.get(x).set(p);
    c.forRange(
      r,
      () => c.i32(0),
      () => c.get(rows),
      1,
      () => {
        c.get(p).get(n).i32(t.log2).op(OP.i32Shl).op(OP.i32Add).set(end);
        minusInfinity().simd(t.splat).set(acc);
        span(
          c,
          p,
          () => c.get(end),
          16,
          () => {
            c.get(acc).get(p).v128Load().simd(vmax).set(acc);
          },
        );
        minusInfinity().set(best);
        for (let lane = 0; lane < lanes; lane++) c.get(best).get(acc).lane(extract, lane).op(smax).set(best);
        span(
          c,
          p,
          () => c.get(end),
          t.bytes,
          () => {
            c.get(best).get(p).mem(t.load).op(smax).set(best);
          },
        );
        c.get(out).get(r).i32(t.log2).op(OP.i32Shl).op(OP.i32Add).get(best).mem(t.store);
      },
    );
  });
}

/** The module's bytes (imports the heap's shared memory). */
export function reduceModuleBytes(): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder({ shared: true, minPages: 1, maxPages: MAX_PAGES });
  for (const t of [F32, F64]) {
    emitSum(m, t);
    emitMax(m, t);
    emitColumnReductions(m, t);
    emitStreamingColumnReductions(m, t);
  }
  return m.emit();
}
