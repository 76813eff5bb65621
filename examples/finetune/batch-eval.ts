/**
 * Batches and batched greedy exact-match evaluation for any ArithTask (the tiny-transformer's
 * batch.ts and evaluate.ts are written for addition only; these take the task as an argument).
 */
import { noGrad } from '@webgrad/autograd';
import { crossEntropy, type GPT, generate } from '@webgrad/nn';
import { type Device, type Tensor, tensor, tidy } from '@webgrad/tensor';
import { CONTEXT_LEN, IGNORE } from '../tiny-transformer/batch.js';
import { ANSWER_LEN, PROMPT_LEN, parseAnswer } from '../tiny-transformer/data.js';
import type { CharTokenizer } from '../tiny-transformer/tokenizer.js';
import type { ArithTask, Pair } from './task.js';

/**
 * x [B, CONTEXT_LEN] and y [B, CONTEXT_LEN] (int32) for next-token prediction, with targets on the
 * answer tokens only (elsewhere IGNORE), as the pretraining batches.
 */
export function makeTaskBatch(
  task: ArithTask,
  pairs: readonly Pair[],
  tok: CharTokenizer,
  device?: Device,
): { x: Tensor; y: Tensor } {
  const x = new Int32Array(pairs.length * CONTEXT_LEN);
  const y = new Int32Array(pairs.length * CONTEXT_LEN);
  pairs.forEach(([a, b], i) => {
    const ids = tok.encode(task.formatExample(a, b));
    for (let t = 0; t < CONTEXT_LEN; t++) {
      x[i * CONTEXT_LEN + t] = ids[t] as number;
      y[i * CONTEXT_LEN + t] = t + 1 >= PROMPT_LEN ? (ids[t + 1] as number) : IGNORE;
    }
  });
  const shape = [pairs.length, CONTEXT_LEN];
  return { x: tensor(x, { dtype: 'int32', device, shape }), y: tensor(y, { dtype: 'int32', device, shape }) };
}

export interface TaskEval {
  correct: number;
  total: number;
  accuracy: number;
  /** The first few predictions as `prompt + answer` with a check mark or the wanted result. */
  samples: string[];
}

/**
 * Greedy-decodes the answer of every prompt at once (one batched forward per answer digit, KV
 * cache) and counts answers equal to `task.result(a, b)`.
 * @example const { accuracy } = await evaluateTask(model, tok, SUBTRACTION, SUBTRACTION.testPairs(1000));
 */
export async function evaluateTask(
  model: GPT,
  tok: CharTokenizer,
  task: ArithTask,
  pairs: readonly Pair[],
  { samples = 0 }: { samples?: number } = {},
): Promise<TaskEval> {
  if (pairs.length === 0) return { correct: 0, total: 0, accuracy: 0, samples: [] };
  const device = model.parameters()[0]?.device;
  model.eval();
  const ids = new Int32Array(pairs.flatMap(([a, b]) => tok.encode(task.formatPrompt(a, b))));
  const prompts = tensor(ids, { dtype: 'int32', device, shape: [pairs.length, PROMPT_LEN] }); // [N, P]
  const out = await generate(model, prompts, { maxNewTokens: ANSWER_LEN, temperature: 0 }); // [N, P + A]
  const rows = await out.data();
  prompts.dispose();
  out.dispose();
  const width = PROMPT_LEN + ANSWER_LEN;
  let correct = 0;
  const shown: string[] = [];
  pairs.forEach(([a, b], i) => {
    const answer = tok.decode(rows.subarray(i * width + PROMPT_LEN, (i + 1) * width));
    const ok = parseAnswer(answer) === task.result(a, b);
    if (ok) correct++;
    if (shown.length < samples)
      shown.push(`${task.formatPrompt(a, b)}${answer} ${ok ? 'ok' : `(want ${task.result(a, b)})`}`);
  });
  return { correct, total: pairs.length, accuracy: correct / pairs.length, samples: shown };
}

/**
 * Mean cross-entropy on the answer tokens of `pairs` with teacher forcing (no sampling): the tie
 * breaker of the tuning run's selection when exact match is level (e.g. two settings at 100%).
 * @example const loss = await answerLoss(model, tok, SUBTRACTION, subtractionValidationPairs(1000));
 */
export async function answerLoss(
  model: GPT,
  tok: CharTokenizer,
  task: ArithTask,
  pairs: readonly Pair[],
): Promise<number> {
  const device = model.parameters()[0]?.device;
  model.eval();
  const loss = noGrad(() =>
    tidy(() => {
      const { x, y } = makeTaskBatch(task, pairs, tok, device);
      return crossEntropy(model.forward(x), y, { ignoreIndex: IGNORE });
    }),
  );
  const value = (await loss.item()) as number;
  loss.dispose();
  return value;
}
