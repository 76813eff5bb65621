/**
 * The platform seam in Node (see types.ts): AsyncLocalStorage, process.env, worker_threads,
 * node:fs, and Dawn's WebGPU binding from the optional `webgpu` package, imported only when
 * WebGPU is asked for.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import type { AsyncContext, GpuRoute, Platform, WorkerHandle } from './types.js';

/**
 * Prepended to worker source: gives worker_threads code the browser's worker globals, so one
 * source text runs in both. `self.onmessage = (e) => ...` receives `{ data }`; `postMessage`
 * posts to the parent.
 */
const WORKER_SHIM = `const { parentPort: __webgradPort } = require('node:worker_threads');
globalThis.self = globalThis;
globalThis.postMessage = (message, transfer) => __webgradPort.postMessage(message, transfer);
globalThis.close = () => process.exit(0);
__webgradPort.on('message', (data) => { if (typeof self.onmessage === 'function') self.onmessage({ data }); });
`;

function startWorker(source: string): WorkerHandle {
  const w = new Worker(WORKER_SHIM + source, { eval: true });
  // A pool of idle workers must never keep the process alive. Node refs a worker again whenever
  // a 'message' listener is added, so the wanted state is re-applied after each one.
  let alive = false;
  const apply = () => (alive ? w.ref() : w.unref());
  apply();
  return {
    postMessage: (message, transfer) => w.postMessage(message, transfer),
    onMessage: (listener) => {
      w.on('message', listener);
      apply();
    },
    onError: (listener) => {
      w.on('error', listener);
      apply();
    },
    keepAlive: (on) => {
      alive = on;
      apply();
    },
    terminate: () => void w.terminate(),
  };
}

async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dirname(path));
}

/** Makes a rename durable; some platforms cannot fsync a directory, which is harmless here. */
async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // best effort
  }
}

async function requestAdapter(route: GpuRoute): Promise<{ gpu: GPU; adapter: GPUAdapter } | string> {
  if (route === 'browser') return 'browser: not in a browser';
  try {
    // lavapipe warns about an unset XDG_RUNTIME_DIR on every start; give it a private temp dir.
    process.env.XDG_RUNTIME_DIR ??= mkdtempSync(join(tmpdir(), 'webgrad-xdg-'));
    if (route === 'opengles') process.env.EGL_PLATFORM ??= 'surfaceless';
    const { create, globals } = await import('webgpu');
    // tfjs and user code expect GPUBufferUsage & co. as globals, as in a browser.
    for (const [k, v] of Object.entries(globals)) if (!(k in globalThis)) Object.assign(globalThis, { [k]: v });
    const gpu = create(route === 'vulkan' ? [] : ['backend=opengles']);
    const adapter = await gpu.requestAdapter(route === 'vulkan' ? {} : { featureLevel: 'compatibility' });
    return adapter ? { gpu, adapter } : `${route}: no adapter`;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String(e).includes("'webgpu'"))
      return `${route}: the optional peer dependency 'webgpu' is not installed (npm install webgpu)`;
    return `${route}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** V8's `gc`, found once: the global one under --expose-gc, else enabled for a fresh context. */
let gcFunction: (() => void) | null | undefined;
function collectGarbage(): boolean {
  if (gcFunction === undefined) {
    const global = (globalThis as { gc?: () => void }).gc;
    try {
      if (typeof global === 'function') gcFunction = global;
      else {
        setFlagsFromString('--expose-gc');
        gcFunction = runInNewContext('gc') as () => void;
        setFlagsFromString('--no-expose-gc');
      }
    } catch {
      gcFunction = null;
    }
  }
  gcFunction?.();
  return gcFunction != null;
}

export const platform: Platform = {
  name: 'node',
  asyncContext<T>(): AsyncContext<T> {
    const als = new AsyncLocalStorage<T>();
    return { run: (value, fn) => als.run(value, fn), get: () => als.getStore() };
  },
  setting: (name) => process.env[name],
  cpuCount: () => Math.max(1, typeof availableParallelism === 'function' ? availableParallelism() : cpus().length),
  startWorker,
  sharedMemoryUsable: () => typeof SharedArrayBuffer === 'function',
  readFile: async (path) => {
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  },
  writeFile: (path, data) => writeFile(path, data),
  writeFileAtomic,
  rename: (from, to) => rename(from, to),
  mkdir: async (path) => {
    await mkdir(path, { recursive: true });
  },
  joinPath: (...parts) => join(...parts),
  gpuRoutes: (choice) => (choice === 'auto' ? ['vulkan', 'opengles'] : [choice]),
  requestAdapter,
  collectGarbage,
  nextTask: () => new Promise((resolve) => setImmediate(resolve)),
};
