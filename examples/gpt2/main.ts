/**
 * `pnpm --filter examples gpt2 --weights <dir> --prompt "..."`: loads a Hugging Face GPT-2
 * checkpoint directory (config.json + model.safetensors, as `save_pretrained` writes it) with
 * `loadGPT2` and continues the prompt greedily (or with --temperature).
 */
import { runExample } from '../lib/cli.js';
import { continuePrompt, parseGpt2Args } from './continue-prompt.js';

await runExample(parseGpt2Args, async (args) => console.log(await continuePrompt(args)));
