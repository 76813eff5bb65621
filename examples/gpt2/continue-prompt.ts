/** The GPT-2 example's arguments and its one job: continue a prompt with a loaded checkpoint. */
import { loadGPT2 } from '@webgrad/nn';
import type { Device } from '@webgrad/tensor';
import { decode, encode } from './tokenizer.js';

interface Gpt2Args {
  weights: string;
  prompt: string;
  tokens: number;
  temperature: number;
  device: Device;
}

const USAGE =
  'usage: gpt2 --weights <checkpoint dir> [--prompt TEXT] [--tokens N] [--temperature T] [--device cpu|webgpu]';

export function parseGpt2Args(argv: string[]): Gpt2Args {
  const args: Gpt2Args = { weights: '', prompt: 'The meaning of life is', tokens: 20, temperature: 0, device: 'cpu' };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    if (flag === '--weights') args.weights = value;
    else if (flag === '--prompt') args.prompt = value;
    else if (flag === '--tokens') args.tokens = Number(value);
    else if (flag === '--temperature') args.temperature = Number(value);
    else if (flag === '--device' && (value === 'cpu' || value === 'webgpu')) args.device = value;
    else throw new Error(`unknown option ${flag} ${value}\n${USAGE}`);
  }
  if (!args.weights) throw new Error(USAGE);
  return args;
}

/** The prompt continued by the checkpoint in `args.weights`. */
export async function continuePrompt(args: Gpt2Args): Promise<string> {
  const model = await loadGPT2(args.weights, { device: args.device });
  const ids = encode(args.prompt);
  const out = await model.generate(ids, { maxNewTokens: args.tokens, temperature: args.temperature, seed: 0 });
  return decode(out);
}
