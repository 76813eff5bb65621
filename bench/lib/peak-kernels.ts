/**
 * The WebAssembly programs of the peak probe (bench/peak.ts), emitted with @webgrad/tensor/wasm.
 * Each is a module exporting `setup()` (fills its memory) and `run(count)` (does `count` units of
 * work of `flopsPerCount` floating-point operations), so one driver can time any of them:
 *
 * - `stream`: CHAINS independent chains acc_i = acc_i * x + y in f32x4 or f64x2, UNROLL times per
 *   loop trip. Each multiply depends on the previous add of its own chain, so the engine can
 *   neither fold, hoist nor merge anything, and the chains are enough to cover the latency of
 *   both operations (Zen 3: 3 + 3 cycles, 2 multiply and 2 add pipes, so 12 chains in flight fill
 *   them). No FMA: Node 20 has no relaxed SIMD, so this is the ceiling of a mul+add kernel.
 * - `kernel`: the inner loop of the matmul's 5 x 8 register block (f32; 5 x 4 in f64) over one
 *   packed A panel (KC x 5) and one packed B panel (KC x 2 vectors), both resident in L1: per k,
 *   2 vector loads, 5 splat loads, 10 multiplies and 10 adds into 10 accumulators, as in
 *   packages/tensor/src/backends/cpu/wasm/matmul-kernel.ts. Its rate is the matmul's in-cache
 *   ceiling: packing, L2 traffic and edges only take from it.
 *
 * Checked in the machine code (`node --no-liftoff --print-wasm-code`, Node 20, x64 with AVX):
 * the stream's loop holds 48 vmulps and 48 vaddps (f64: vmulpd, vaddpd), one per wasm operation,
 * nothing folded or hoisted (x and y are rematerialised each trip: 6 scalar instructions); the
 * micro-kernel's loop holds 10 of each, 2 loads and 5 broadcasts; in neither does a vector
 * register go to the stack except around the stack-guard call. Inlined into `run`'s loop, the
 * micro-kernel did spill two accumulators and ran at ~21 instead of ~39 GFLOP/s: hence `tile`.
 */
import { type Code, ModuleBuilder, OP, SIMD } from '@webgrad/tensor/wasm';

export type Precision = 'f32' | 'f64';
export type ProbeKind = 'stream' | 'kernel';

/** One probe program: its module bytes and the work of one `run` count. */
export interface Probe {
  kind: ProbeKind;
  precision: Precision;
  bytes: Uint8Array;
  flopsPerCount: number;
}

interface Lanes {
  bytes: 4 | 8;
  lanes: 4 | 2;
  store: number;
  splat: number;
  splatLoad: number;
  mul: number;
  add: number;
}

const LANES: Record<Precision, Lanes> = {
  f32: {
    bytes: 4,
    lanes: 4,
    store: OP.f32Store,
    splat: SIMD.f32x4Splat,
    splatLoad: SIMD.v128Load32Splat,
    mul: SIMD.f32x4Mul,
    add: SIMD.f32x4Add,
  },
  f64: {
    bytes: 8,
    lanes: 2,
    store: OP.f64Store,
    splat: SIMD.f64x2Splat,
    splatLoad: SIMD.v128Load64Splat,
    mul: SIMD.f64x2Mul,
    add: SIMD.f64x2Add,
  },
};

/** Chains of the stream: with x and y, 14 of V8's 15 allocatable vector registers on x64. */
export const CHAINS = 12;
/** Chain steps per loop trip, so the loop's counter, compare and stack check cost ~nothing. */
export const UNROLL = 4;
/** The micro-kernel's block: MR rows of 2 vectors; KC packed steps (as the matmul). */
export const MR = 5;
export const KC = 256;

function scalar(c: Code, t: Lanes, value: number): Code {
  return t.bytes === 4 ? c.f32(value) : c.f64(value);
}

function streamModule(t: Lanes): Uint8Array {
  const m = new ModuleBuilder({ shared: false });
  m.func('setup', [], [], () => {});
  m.func('run', ['i32'], [], (c) => {
    const count = 0;
    const acc = Array.from({ length: CHAINS }, () => c.local('v128'));
    const [x, y, n] = [c.local('v128'), c.local('v128'), c.local('i32')];
    // Fixed point y / (1 - x) = 1: values stay normal (no denormal slow path) however long it runs.
    scalar(c, t, 0.999).simd(t.splat).set(x);
    scalar(c, t, 0.001).simd(t.splat).set(y);
    for (const [i, a] of acc.entries())
      scalar(c, t, 1 + i / 16)
        .simd(t.splat)
        .set(a);
    c.forRange(
      n,
      () => c.i32(0),
      () => c.get(count),
      1,
      () => {
        for (let u = 0; u < UNROLL; u++) {
          for (const a of acc) c.get(a).get(x).simd(t.mul).get(y).simd(t.add).set(a);
        }
      },
    );
    // Stored, so the chains are live: nothing of them is dead code.
    for (const [i, a] of acc.entries())
      c.i32(16 * i)
        .get(a)
        .v128Store();
  });
  return m.emit();
}

function kernelModule(t: Lanes): Uint8Array {
  const nr = 2 * t.lanes; // columns of the block: two vectors
  const aBytes = KC * MR * t.bytes;
  const bBytes = KC * nr * t.bytes;
  const cAt = aBytes + bBytes;
  const m = new ModuleBuilder({ shared: false });
  m.func('setup', [], [], (c) => {
    // A and B panels (adjacent) hold 0.25: each accumulator sums KC products of 1/16.
    const at = c.local('i32');
    c.forRange(
      at,
      () => c.i32(0),
      () => c.i32(cAt),
      t.bytes,
      () => {
        c.get(at);
        scalar(c, t, 0.25).mem(t.store);
      },
    );
  });
  // tile(pa, pb, c): one block over KC packed steps, as the matmul's tile function (a function of
  // its own, so V8 allocates its registers as it does the real one's: inlined into run's loop, the
  // block spilled accumulators to the stack).
  const tile = m.func(
    'tile',
    ['i32', 'i32', 'i32'],
    [],
    (c) => {
      const [pa, pb, cOut] = [0, 1, 2];
      const acc = Array.from({ length: 2 * MR }, () => c.local('v128'));
      const [b0, b1, a, end] = [c.local('v128'), c.local('v128'), c.local('v128'), c.local('i32')];
      for (const x of acc) scalar(c, t, 0).simd(t.splat).set(x);
      c.get(pa).i32(aBytes).op(OP.i32Add).set(end);
      // The micro-kernel's k loop, instruction for instruction (one k step per trip).
      c.block(() =>
        c.loop(() => {
          c.get(pa).get(end).op(OP.i32GeU).brIf(1);
          c.get(pb).v128Load(0).set(b0);
          c.get(pb).v128Load(16).set(b1);
          for (let i = 0; i < MR; i++) {
            const [lo, hi] = [acc[2 * i] as number, acc[2 * i + 1] as number];
            c.get(pa)
              .mem(t.splatLoad, i * t.bytes, 0, true)
              .set(a);
            c.get(lo).get(a).get(b0).simd(t.mul).simd(t.add).set(lo);
            c.get(hi).get(a).get(b1).simd(t.mul).simd(t.add).set(hi);
          }
          c.get(pa)
            .i32(MR * t.bytes)
            .op(OP.i32Add)
            .set(pa);
          c.get(pb)
            .i32(nr * t.bytes)
            .op(OP.i32Add)
            .set(pb);
          c.br(0);
        }),
      );
      for (const [i, x] of acc.entries())
        c.get(cOut)
          .get(x)
          .v128Store(16 * i);
    },
    false,
  );
  m.func('run', ['i32'], [], (c) => {
    const [count, r] = [0, c.local('i32')];
    c.forRange(
      r,
      () => c.i32(0),
      () => c.get(count),
      1,
      () => c.i32(0).i32(aBytes).i32(cAt).call(tile),
    );
  });
  return m.emit();
}

/**
 * The probe program of `kind` in `precision`.
 * @example const p = probe('stream', 'f32'); // p.flopsPerCount = 12 * 4 * 2 * 4 = 384
 */
export function probe(kind: ProbeKind, precision: Precision): Probe {
  const t = LANES[precision];
  if (kind === 'stream') {
    return { kind, precision, bytes: streamModule(t), flopsPerCount: CHAINS * UNROLL * 2 * t.lanes };
  }
  return { kind, precision, bytes: kernelModule(t), flopsPerCount: 2 * MR * 2 * t.lanes * KC };
}
