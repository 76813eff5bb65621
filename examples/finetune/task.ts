/**
 * The two arithmetic tasks of the fine-tuning experiment, behind one interface: addition (the
 * pretraining task of examples/tiny-transformer, reused as is) and subtraction (the new domain).
 *
 * Subtraction: `aaa-bbb=dddd` with a >= b, both operands zero-padded to 3 digits and the difference
 * zero-padded to 4 digits and written least significant digit first (as the addition task's sum),
 * e.g. 357 - 68 = 289 is `357-068=9820`. Same length (12 characters) and same answer position as
 * addition, so the pretrained model's context and position embeddings fit unchanged; the borrow
 * flows from the ones digit upwards, the order in which the reversed answer is written.
 *
 * Held-out set: the addition task's split (a seeded hash of the ordered pair (a, b), 1% of pairs,
 * `DEFAULT_SPLIT`). The subtraction sampler rejects held-out pairs, so its training and test sets
 * are disjoint by construction; a pair held out for addition is also never trained on here. The
 * held-out pairs are split once more: a test set (reported) and a validation set (for tuning).
 */
import {
  trainSampler as additionSampler,
  testPairs as additionTestPairs,
  DEFAULT_SPLIT,
  DIGITS,
  formatExample as formatAddition,
  formatPrompt as formatAdditionPrompt,
  formatAnswer,
  isHeldOut,
  mulberry32,
  type SplitOptions,
} from '../tiny-transformer/data.js';

export type Pair = readonly [number, number];

/** One arithmetic task: how to write it, what the answer is, and its train/test pairs. */
export interface ArithTask {
  name: 'addition' | 'subtraction';
  /** `aaa?bbb=`: what the model is given at test time. */
  formatPrompt(a: number, b: number): string;
  /** Prompt + reversed, zero-padded answer. */
  formatExample(a: number, b: number): string;
  /** The number the answer encodes. */
  result(a: number, b: number): number;
  /** Endless training pairs (held-out pairs never appear). */
  sampler(seed: number): () => [number, number];
  /** The fixed held-out test set (the same on every run). */
  testPairs(size: number): [number, number][];
}

const MAX_OPERAND = 10 ** DIGITS - 1;

/** `aaa-bbb=`, with a >= b. */
export function formatSubtractionPrompt(a: number, b: number): string {
  if (!(Number.isInteger(a) && Number.isInteger(b) && b >= 0 && a >= b && a <= MAX_OPERAND))
    throw new Error(`formatSubtractionPrompt: need integers 0 <= b <= a <= ${MAX_OPERAND}, got ${a}, ${b}`);
  return `${String(a).padStart(DIGITS, '0')}-${String(b).padStart(DIGITS, '0')}=`;
}

/** `aaa-bbb=dddd` with the difference reversed (see the file comment). */
export function formatSubtraction(a: number, b: number): string {
  return formatSubtractionPrompt(a, b) + formatAnswer(a - b);
}

/**
 * Endless subtraction training pairs: a, b uniform in 0..999, ordered so that a >= b, held-out
 * pairs rejected.
 * @example const next = subtractionSampler(0); const [a, b] = next(); // a >= b
 */
export function subtractionSampler(seed: number, split: SplitOptions = DEFAULT_SPLIT): () => [number, number] {
  const rand = mulberry32(seed);
  const draw = () => Math.floor(rand() * (MAX_OPERAND + 1));
  return () => {
    for (;;) {
      const x = draw();
      const y = draw();
      const [a, b] = x >= y ? [x, y] : [y, x];
      if (!isHeldOut(a, b, split)) return [a, b];
    }
  };
}

/** Size of the fixed subtraction test set; the validation set follows it in the same shuffled pool. */
export const SUBTRACTION_TEST_MAX = 1000;

/**
 * The held-out subtraction pool (pairs with a >= b, both operands in 100..999, held out by the
 * split's hash), in a fixed seeded order (partial Fisher-Yates over its first `count` places). The
 * first `count` places do not depend on `count`, so every prefix is the same on every run.
 */
function shuffledHeldOutPool(count: number, split: SplitOptions): [number, number][] {
  const pool: [number, number][] = [];
  const lo = 10 ** (DIGITS - 1);
  for (let a = lo; a <= MAX_OPERAND; a++) for (let b = lo; b <= a; b++) if (isHeldOut(a, b, split)) pool.push([a, b]);
  if (count > pool.length)
    throw new Error(`subtraction held-out pool: asked for ${count} pairs, the pool has ${pool.length}`);
  const rand = mulberry32(split.seed ^ 0x5ab7);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rand() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as [number, number], pool[i] as [number, number]];
  }
  return pool.slice(0, count);
}

/**
 * The subtraction test set: the first `size` (at most SUBTRACTION_TEST_MAX) pairs of the shuffled
 * held-out pool, the same on every run. Only final results are measured on it.
 */
export function subtractionTestPairs(size: number, split: SplitOptions = DEFAULT_SPLIT): [number, number][] {
  if (size > SUBTRACTION_TEST_MAX)
    throw new Error(
      `subtractionTestPairs: at most ${SUBTRACTION_TEST_MAX} pairs (the validation set follows), got ${size}`,
    );
  return shuffledHeldOutPool(size, split);
}

/**
 * The subtraction validation set, used to choose learning rates and scales: `size` held-out pairs
 * taken after the test set's places in the same shuffled pool, so the two are disjoint, and both are
 * disjoint from training (the sampler rejects every held-out pair).
 * @example subtractionValidationPairs(1000).length // 1000, none of them in subtractionTestPairs(1000)
 */
export function subtractionValidationPairs(size: number, split: SplitOptions = DEFAULT_SPLIT): [number, number][] {
  return shuffledHeldOutPool(SUBTRACTION_TEST_MAX + size, split).slice(SUBTRACTION_TEST_MAX);
}

/** The pretraining task (examples/tiny-transformer/data.ts). */
export const ADDITION: ArithTask = {
  name: 'addition',
  formatPrompt: formatAdditionPrompt,
  formatExample: formatAddition,
  result: (a, b) => a + b,
  sampler: (seed) => additionSampler(seed),
  testPairs: (size) => additionTestPairs(size),
};

/** The new domain the pretrained model is adapted to. */
export const SUBTRACTION: ArithTask = {
  name: 'subtraction',
  formatPrompt: formatSubtractionPrompt,
  formatExample: formatSubtraction,
  result: (a, b) => a - b,
  sampler: (seed) => subtractionSampler(seed),
  testPairs: (size) => subtractionTestPairs(size),
};
