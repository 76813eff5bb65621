/**
 * One run in its own process, so that its wall time, tensor bytes and RSS are its own (main.ts
 * spawns `node worker.js <config.json> <result.json>`). Progress goes to stderr.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { destroyWebGPU, initWebGPU } from '@webgrad/tensor';
import { ProgressBar } from '../lib/progress-bar.js';
import { type RunConfig, runOne } from './run.js';

async function main(): Promise<void> {
  const [configPath, resultPath] = process.argv.slice(2);
  if (!configPath || !resultPath) throw new Error('usage: node worker.js <config.json> <result.json>');
  const config = JSON.parse(await readFile(configPath, 'utf8')) as RunConfig;
  if (config.device === 'webgpu') await initWebGPU();
  try {
    const bar = new ProgressBar(config.steps);
    const result = await runOne(config, (step, loss) => bar.update(step + 1, `loss ${loss.toFixed(4)}`));
    bar.done();
    await writeFile(resultPath, JSON.stringify(result));
  } finally {
    if (config.device === 'webgpu') destroyWebGPU();
  }
}

await main();
