/** The shell every example's `main` shares: parse arguments, bring up the device, run, clean up. */
import { type Device, destroyWebGPU, initWebGPU } from '@webgrad/tensor';

/**
 * Parses `process.argv` with `parse` (a thrown Error is printed as the usage message, exit code 2),
 * initialises WebGPU when `--device webgpu` was asked for, runs `body`, and destroys the device
 * afterwards so the process exits promptly.
 * @example await runExample(parseArithArgs, (args) => runTraining(args));
 */
export async function runExample<A extends { device: Device }>(
  parse: (argv: string[]) => A,
  body: (args: A) => Promise<void>,
): Promise<void> {
  let args: A;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 2;
    return;
  }
  if (args.device === 'webgpu') {
    const info = await initWebGPU();
    console.log(`webgpu: ${info.backend} adapter ${info.description || info.vendor}`);
  }
  try {
    await body(args);
  } finally {
    if (args.device === 'webgpu') destroyWebGPU();
  }
}
