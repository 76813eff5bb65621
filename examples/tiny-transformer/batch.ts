/** Turning sampled additions into model inputs and answer-only targets. */
import { type Device, type Tensor, tensor } from '@webgrad/tensor';
import { formatExample, PROMPT_LEN, SEQ_LEN } from './data.js';
import type { CharTokenizer } from './tokenizer.js';

/** Target id that crossEntropy skips (its default ignoreIndex, as PyTorch). */
export const IGNORE = -100;

/** Tokens the model reads per example: the whole sequence but its last character. */
export const CONTEXT_LEN = SEQ_LEN - 1;

/**
 * x [B, SEQ_LEN - 1] and y [B, SEQ_LEN - 1] (both int32) for next-token prediction on `pairs`.
 * y[t] is the character after position t, but only where that character is part of the answer;
 * elsewhere it is IGNORE, so the loss is taken on the answer tokens alone (the operands are
 * random and cannot be predicted, so training on them would only add noise).
 */
export function makeBatch(
  pairs: readonly (readonly [number, number])[],
  tok: CharTokenizer,
  device?: Device,
): { x: Tensor; y: Tensor } {
  const B = pairs.length;
  const x = new Int32Array(B * CONTEXT_LEN);
  const y = new Int32Array(B * CONTEXT_LEN);
  pairs.forEach(([a, b], i) => {
    const ids = tok.encode(formatExample(a, b));
    for (let t = 0; t < CONTEXT_LEN; t++) {
      x[i * CONTEXT_LEN + t] = ids[t] as number;
      y[i * CONTEXT_LEN + t] = t + 1 >= PROMPT_LEN ? (ids[t + 1] as number) : IGNORE;
    }
  });
  const shape = [B, CONTEXT_LEN];
  return { x: tensor(x, { dtype: 'int32', device, shape }), y: tensor(y, { dtype: 'int32', device, shape }) };
}
