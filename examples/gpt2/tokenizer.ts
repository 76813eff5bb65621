/**
 * GPT-2's byte-level BPE tokenizer, from the npm package js-tiktoken (its `gpt2` ranks are the
 * 50,257-token vocabulary GPT-2 was trained with, shipped inside the package: nothing is
 * downloaded). A hand-written BPE would be easy to get subtly wrong; this one is widely used.
 */
import { Tiktoken } from 'js-tiktoken/lite';
import gpt2 from 'js-tiktoken/ranks/gpt2';

/** GPT-2's end-of-text token id. */
export const END_OF_TEXT = 50256;

let encoder: Tiktoken | undefined;

function tokenizer(): Tiktoken {
  encoder ??= new Tiktoken(gpt2);
  return encoder;
}

/** Token ids of `text`. @example encode('Hello world') // [15496, 995] */
export function encode(text: string): number[] {
  return tokenizer().encode(text);
}

/** The text of token `ids`. @example decode([15496, 995]) // 'Hello world' */
export function decode(ids: readonly number[]): string {
  return tokenizer().decode([...ids]);
}
