/**
 * A counter-based random generator: element i of a tensor drawn with seed s is a pure function
 * hash(s, i), so any backend, and any order of evaluation, gives the same numbers.
 *
 * The hash is a 32-bit integer mix (xorshift-multiply rounds in the style of the "lowbias32"
 * finaliser) applied to the counter keyed by the seed; it only needs 32-bit multiply and shifts,
 * which WGSL has too. Uniforms use the top 24 bits, so float32 and float64 draws agree exactly.
 */
import { fail } from './errors.js';

function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32 random bits for counter `i` under `seed` (two keyed rounds). */
export function hashBits(seed: number, i: number): number {
  return mix32(mix32(i ^ Math.imul(seed >>> 0, 0x9e3779b9)) + (seed >>> 0));
}

const INV_2_24 = 1 / 16777216;

/** Uniform in [0, 1) with 24 random bits. */
export function uniformAt(seed: number, i: number): number {
  return (hashBits(seed, i) >>> 8) * INV_2_24;
}

/** Standard normal by Box-Muller from two uniforms at counters 2i and 2i+1; u1 is in (0, 1]. */
export function normalAt(seed: number, i: number): number {
  const u1 = ((hashBits(seed, 2 * i) >>> 8) + 1) * INV_2_24;
  const u2 = (hashBits(seed, 2 * i + 1) >>> 8) * INV_2_24;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * 32 bits of fresh entropy for the global generator's starting state, so unseeded draws differ
 * from one process to the next (as in PyTorch and NumPy). Web Crypto exists in Node 20 and in
 * browsers; Math.random is the fallback for runtimes without it.
 */
function freshState(): number {
  const c = (globalThis as { crypto?: { getRandomValues?(a: Uint32Array): Uint32Array } }).crypto;
  if (c?.getRandomValues) return (c.getRandomValues(new Uint32Array(1))[0] as number) >>> 0;
  return Math.floor(Math.random() * 4294967296) >>> 0;
}

let autoSeed = freshState();

/**
 * The seed for a draw that did not ask for one: the next value of the global sequence, which
 * starts from a fresh random state in each process and is reset by `manualSeed`.
 */
export function nextSeed(): number {
  autoSeed = mix32(autoSeed + 0x6d2b79f5);
  return autoSeed;
}

/**
 * Resets the global sequence used when `{ seed }` is omitted, like torch.manual_seed: after
 * `manualSeed(n)` the same unseeded calls draw the same numbers in every process.
 * @example manualSeed(0); const a = randn([3]); manualSeed(0); randn([3]) // equals a
 */
export function manualSeed(seed: number): void {
  if (!Number.isFinite(seed)) fail('value', 'manualSeed', `seed must be a finite number, got ${String(seed)}`);
  autoSeed = seed >>> 0;
}
