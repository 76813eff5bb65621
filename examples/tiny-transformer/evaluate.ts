/** Exact-match accuracy on held-out additions with batched greedy decoding. */
import { type GPT, generate } from '@webgrad/nn';
import { tensor } from '@webgrad/tensor';
import { ANSWER_LEN, formatPrompt, PROMPT_LEN, parseAnswer } from './data.js';
import type { CharTokenizer } from './tokenizer.js';

export interface EvalResult {
  correct: number;
  total: number;
  accuracy: number;
  /** A few wrong answers, as `a+b=predicted (want sum)`, for a quick look at the errors. */
  mistakes: string[];
}

/**
 * Greedy-decodes ANSWER_LEN tokens for every prompt in `pairs`, `batchSize` prompts per call to
 * `generate` (default: all at once, so each decoding step is one batched forward pass), and
 * counts answers equal to a + b.
 */
export async function evaluate(
  model: GPT,
  tok: CharTokenizer,
  pairs: readonly (readonly [number, number])[],
  { batchSize = pairs.length }: { batchSize?: number } = {},
): Promise<EvalResult> {
  const device = model.parameters()[0]?.device;
  model.eval();
  let correct = 0;
  const mistakes: string[] = [];
  for (let start = 0; start < pairs.length; start += batchSize) {
    const chunk = pairs.slice(start, start + batchSize);
    const ids = new Int32Array(chunk.flatMap(([a, b]) => tok.encode(formatPrompt(a, b))));
    const prompts = tensor(ids, { dtype: 'int32', device, shape: [chunk.length, PROMPT_LEN] }); // [N, P]
    const out = await generate(model, prompts, { maxNewTokens: ANSWER_LEN, temperature: 0 }); // [N, P + A]
    const rows = await out.data();
    prompts.dispose();
    out.dispose();
    const width = PROMPT_LEN + ANSWER_LEN;
    chunk.forEach(([a, b], i) => {
      const answer = tok.decode(rows.subarray(i * width + PROMPT_LEN, (i + 1) * width));
      if (parseAnswer(answer) === a + b) correct++;
      else if (mistakes.length < 5) mistakes.push(`${formatPrompt(a, b)}${answer} (want ${a + b})`);
    });
  }
  return { correct, total: pairs.length, accuracy: pairs.length ? correct / pairs.length : 0, mistakes };
}
