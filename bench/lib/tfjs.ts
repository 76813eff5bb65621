/**
 * The tfjs peers, loaded on demand: tfjs-core with its pure-JS CPU backend, and the WASM (XNNPACK)
 * backend when it initialises in this Node. tfjs-core keeps one global engine, so a benchmark
 * switches with `useTfBackend(name)` before timing that peer.
 */
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';

export type Tf = typeof import('@tensorflow/tfjs-core');
export type TfBackendName = 'cpu' | 'wasm';

let tfPromise: Promise<Tf> | undefined;
const available = new Map<TfBackendName, boolean>();

/** tfjs-core with the CPU backend registered (and WASM, if `withWasm` and it loads). */
export function loadTf(): Promise<Tf> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
    return tf;
  })();
  return tfPromise;
}

/**
 * Makes `name` the active tfjs backend; false (with a one-line reason) when it cannot run here.
 * @example if (await useTfBackend('wasm')) { ... }
 */
export async function useTfBackend(name: TfBackendName): Promise<boolean> {
  const tf = await loadTf();
  if (available.get(name) === false) return false;
  try {
    if (name === 'wasm' && !available.has('wasm')) {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // The Node build looks for its .wasm files next to itself; point it there explicitly.
      const require = createRequire(import.meta.url);
      const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      wasm.setWasmPaths(`${join(dist)}/`);
    }
    const ok = await tf.setBackend(name);
    await tf.ready();
    available.set(name, ok);
    if (!ok) console.log(`(tfjs ${name} backend did not initialise; skipped)`);
    return ok;
  } catch (e) {
    available.set(name, false);
    console.log(`(tfjs ${name} backend unavailable: ${e instanceof Error ? e.message : String(e)})`);
    return false;
  }
}

let gradients: Promise<void> | undefined;

/**
 * Registers tfjs's gradient functions (tfjs-core alone has none; the union package would load
 * them). Their ESM files import without extensions, hence lib/extensionless-hooks.ts.
 */
export function registerTfGradients(): Promise<void> {
  gradients ??= (async () => {
    register(new URL('./extensionless-hooks.js', import.meta.url));
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  })();
  return gradients;
}
