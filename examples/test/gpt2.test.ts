import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPT, saveGPT2 } from '@webgrad/nn';
import { afterAll, describe, expect, it } from 'vitest';
import { continuePrompt, parseGpt2Args } from '../gpt2/continue-prompt.js';
import { decode, encode } from '../gpt2/tokenizer.js';

const root = mkdtempSync(join(tmpdir(), 'gpt2-example-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('examples/gpt2', () => {
  it('tokenizes with GPT-2 BPE (known ids) and round-trips text', () => {
    expect(encode('Hello world')).toEqual([15496, 995]);
    const text = 'Gradients, über alles: ∂L/∂w = 2 (w - 3) 🙂';
    expect(decode(encode(text))).toBe(text);
  });

  it('continues a prompt with a GPT-2-shaped checkpoint loaded from a Hugging Face layout', async () => {
    const model = new GPT({ vocabSize: 50257, blockSize: 16, nLayer: 1, nHead: 2, nEmbd: 8, gelu: 'tanh', seed: 0 });
    const weights = join(root, 'tiny-gpt2');
    await saveGPT2(model, weights);
    const args = parseGpt2Args(['--weights', weights, '--prompt', 'Hello world', '--tokens', '3']);
    const text = await continuePrompt(args);
    expect(text.startsWith('Hello world')).toBe(true);
    const ids = encode('Hello world');
    const expected = decode(await model.generate(ids, { maxNewTokens: 3, temperature: 0 }));
    expect(text).toBe(expected);
  });

  it('says how to call it', () => {
    expect(() => parseGpt2Args([])).toThrow(/usage: gpt2 --weights/);
  });
});
