/**
 * The fine-tuning experiment's result in a few numbers, as measured for README.md's results table
 * (`pnpm --filter examples finetune`), so that `pnpm demo` quotes the experiment instead of its own
 * one-seed run. A test checks that README.md states the same numbers.
 */

export interface Headline {
  seeds: number;
  steps: number;
  /** Test exact match %, mean and sd over seeds. */
  lora: { mean: number; sd: number };
  abba: { mean: number; sd: number };
  /** ABBA - LoRA r = 8, paired over seeds, percentage points, with its 95% t-interval. */
  difference: { mean: number; lo: number; hi: number };
}

export const HEADLINE: Headline = {
  seeds: 5,
  steps: 300,
  lora: { mean: 26.8, sd: 11.3 },
  abba: { mean: 19.8, sd: 8.7 },
  difference: { mean: -7.0, lo: -25.6, hi: 11.6 },
};

/** The paired interval as README.md writes it, e.g. `-7.0 [-25.6, 11.6]`. */
export function formatInterval(h: Headline = HEADLINE): string {
  const f = (x: number) => x.toFixed(1);
  return `${f(h.difference.mean)} [${f(h.difference.lo)}, ${f(h.difference.hi)}]`;
}

/**
 * One or two sentences on what the experiment found, whichever way it fell.
 * @example console.log(headlineText());
 */
export function headlineText(h: Headline = HEADLINE): string {
  const f = (x: number) => x.toFixed(1);
  const d = h.difference;
  const verdict =
    d.lo > 0
      ? 'ABBA is ahead: the interval excludes 0'
      : d.hi < 0
        ? 'LoRA is ahead: the interval excludes 0'
        : 'no difference shown: the interval contains 0';
  return (
    `over ${h.seeds} seeds (${h.steps} steps, lr and scale tuned on a validation set), test exact match ` +
    `ABBA ${f(h.abba.mean)} ± ${f(h.abba.sd)}%, LoRA ${f(h.lora.mean)} ± ${f(h.lora.sd)}%; paired ABBA - LoRA ` +
    `${formatInterval(h)} points (95% t-interval): ${verdict}`
  );
}
