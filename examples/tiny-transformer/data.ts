/**
 * The synthetic task: integer addition written as characters, generated in code.
 *
 * Format (fixed width, answer reversed): `aaa+bbb=ssss` with both operands zero-padded to 3 digits
 * and the 4-digit zero-padded sum written least significant digit first, e.g. 357 + 68 = 425 is
 * `357+068=5240`. Every example is then exactly 12 characters, so batches need no padding and the
 * answer always starts at position 8. Writing the sum reversed lets the model emit digits in the
 * order a person computes them (ones first, carry flowing forward), which small transformers learn
 * far faster than the usual order, where the first digit depends on every carry.
 *
 * Held-out set: a pair (a, b) is held out when a seeded 32-bit hash of (a, b) falls in the lowest
 * `heldOutPerMille`/1000 of its range. The training sampler rejects held-out pairs, so train and
 * test are disjoint by construction; the test set is a seeded sample of held-out pairs whose
 * operands both have three digits (100..999).
 */

/** Digits per operand; operands range over 0..10^DIGITS - 1. */
export const DIGITS = 3;
/** Characters before the answer: `aaa+bbb=`. */
export const PROMPT_LEN = 2 * DIGITS + 2;
/** Answer digits (the sum of two DIGITS-digit numbers has at most DIGITS + 1 digits). */
export const ANSWER_LEN = DIGITS + 1;
/** Characters in one example. */
export const SEQ_LEN = PROMPT_LEN + ANSWER_LEN;

const MAX_OPERAND = 10 ** DIGITS - 1;

/** A seeded 32-bit integer hash (a murmur3-style finaliser over the pair and the seed). */
export function hashPair(a: number, b: number, seed: number): number {
  let h = Math.imul(a * (MAX_OPERAND + 1) + b, 0x9e3779b1) ^ Math.imul(seed | 0, 0x85ebca77);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface SplitOptions {
  /** Seeds the held-out hash. */
  seed: number;
  /** Held-out fraction of all pairs, per mille (10: 1% of the 10^6 pairs). */
  heldOutPerMille: number;
}

export const DEFAULT_SPLIT: SplitOptions = { seed: 1234, heldOutPerMille: 10 };

/** True when (a, b) belongs to the held-out pool: never used for training. */
export function isHeldOut(a: number, b: number, split: SplitOptions = DEFAULT_SPLIT): boolean {
  return hashPair(a, b, split.seed) % 1000 < split.heldOutPerMille;
}

/** `aaa+bbb=ssss` with the sum reversed (see the file comment). */
export function formatExample(a: number, b: number): string {
  return formatPrompt(a, b) + formatAnswer(a + b);
}

/** `aaa+bbb=`: what the model is given at test time. */
export function formatPrompt(a: number, b: number): string {
  if (!(isOperand(a) && isOperand(b))) throw new Error(`formatPrompt: operands must be integers in 0..${MAX_OPERAND}`);
  return `${pad(a, DIGITS)}+${pad(b, DIGITS)}=`;
}

/** The sum zero-padded to ANSWER_LEN digits, least significant digit first. */
export function formatAnswer(sum: number): string {
  return [...pad(sum, ANSWER_LEN)].reverse().join('');
}

/** Reads a reversed answer back into a number; NaN when it is not ANSWER_LEN digits. */
export function parseAnswer(answer: string): number {
  return /^\d+$/.test(answer) && answer.length === ANSWER_LEN ? Number([...answer].reverse().join('')) : Number.NaN;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function isOperand(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= MAX_OPERAND;
}

/** mulberry32: a tiny seeded generator of uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Endless training pairs: a and b uniform in 0..999, held-out pairs rejected.
 * @example const next = trainSampler(0); const [a, b] = next();
 */
export function trainSampler(seed: number, split: SplitOptions = DEFAULT_SPLIT): () => [number, number] {
  const rand = mulberry32(seed);
  const draw = () => Math.floor(rand() * (MAX_OPERAND + 1));
  return () => {
    for (;;) {
      const a = draw();
      const b = draw();
      if (!isHeldOut(a, b, split)) return [a, b];
    }
  };
}

/**
 * The fixed test set: `size` held-out pairs with both operands in 100..999, a seeded sample
 * (Fisher-Yates over the whole held-out pool), so it is the same on every run.
 */
export function testPairs(size: number, split: SplitOptions = DEFAULT_SPLIT): [number, number][] {
  const pool: [number, number][] = [];
  const lo = 10 ** (DIGITS - 1);
  for (let a = lo; a <= MAX_OPERAND; a++)
    for (let b = lo; b <= MAX_OPERAND; b++) if (isHeldOut(a, b, split)) pool.push([a, b]);
  if (size > pool.length) throw new Error(`testPairs: asked for ${size} pairs, the held-out pool has ${pool.length}`);
  const rand = mulberry32(split.seed ^ 0x5eed);
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as [number, number], pool[i] as [number, number]];
  }
  return pool.slice(0, size);
}
