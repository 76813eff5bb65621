/**
 * The platform seam in a browser (see types.ts): Web Workers from Blob URLs, `navigator.gpu`,
 * settings from `globalThis.WEBGRAD_SETTINGS`. Uses only web-standard APIs, never `process`.
 *
 * Async context has no standard API in browsers yet (TC39 AsyncContext is a proposal), so
 * `asyncContext()` here is a stack: `run(value, fn)` makes `value` current until `fn` returns,
 * or, for an async `fn`, until its promise settles. Sequential and nested use (a `tidyAsync`
 * awaiting its work, `tidy` inside it) behave exactly as in Node. Concurrent async runs share the
 * stack: a tensor made by unrelated code during a `tidyAsync`'s awaits belongs to that scope and
 * is disposed when it ends. In a browser, keep such work in sync `tidy` calls.
 */
import { TensorError } from '../errors.js';
import type { AsyncContext, GpuRoute, Platform, WorkerHandle } from './types.js';

/** The web globals used here, typed locally (the project compiles against Node's lib). */
interface WebGlobals {
  WEBGRAD_SETTINGS?: Record<string, string | undefined>;
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number; gpu?: GPU };
  Worker: new (
    url: string,
  ) => {
    postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
    addEventListener(type: 'message', fn: (e: { data: unknown }) => void): void;
    addEventListener(type: 'error', fn: (e: { message?: string }) => void): void;
    terminate(): void;
  };
  URL: { createObjectURL(blob: Blob): string; revokeObjectURL(url: string): void };
}
const web = globalThis as unknown as WebGlobals;

class StackContext<T> implements AsyncContext<T> {
  private readonly stack: T[] = [];
  get(): T | undefined {
    return this.stack[this.stack.length - 1];
  }
  run<R>(value: T, fn: () => R): R {
    this.stack.push(value);
    let result: R;
    try {
      result = fn();
    } catch (e) {
      this.leave(value);
      throw e;
    }
    if (result instanceof Promise) {
      return result.finally(() => this.leave(value)) as R;
    }
    this.leave(value);
    return result;
  }
  /** Removes `value` wherever it is: concurrent runs may end out of order. */
  private leave(value: T): void {
    const i = this.stack.lastIndexOf(value);
    if (i >= 0) this.stack.splice(i, 1);
  }
}

function startWorker(source: string): WorkerHandle {
  const url = web.URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const w = new web.Worker(url);
  return {
    postMessage: (message, transfer) => w.postMessage(message, transfer ?? []),
    onMessage: (listener) => w.addEventListener('message', (e) => listener(e.data)),
    onError: (listener) => w.addEventListener('error', (e) => listener(new Error(e.message ?? 'worker error'))),
    keepAlive: () => {}, // a page's workers live as long as the page
    terminate: () => {
      w.terminate();
      web.URL.revokeObjectURL(url);
    },
  };
}

function noFiles(op: string): never {
  throw new TensorError(
    'value',
    `${op}: there is no file system in a browser; use the byte-level API instead ` +
      '(serializeSafetensors/parseSafetensors, safetensorsBlob, loadSafetensorsFromResponse)',
  );
}

async function requestAdapter(route: GpuRoute): Promise<{ gpu: GPU; adapter: GPUAdapter } | string> {
  const gpu = web.navigator?.gpu;
  if (route !== 'browser') return `${route}: a browser offers only its own adapter (use adapter 'auto')`;
  if (!gpu) return 'browser: navigator.gpu is missing (this browser or context has no WebGPU)';
  try {
    const adapter = await gpu.requestAdapter();
    return adapter
      ? { gpu, adapter }
      : 'browser: navigator.gpu.requestAdapter() returned null (headless Chromium needs --enable-unsafe-webgpu)';
  } catch (e) {
    return `browser: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** A macrotask without setTimeout's 4 ms clamp: one MessageChannel message per call. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    // Typed as the web's MessagePort (the project compiles against Node's lib).
    const { port1, port2 } = new MessageChannel() as unknown as {
      port1: { onmessage: (() => void) | null; close(): void };
      port2: { postMessage(message: unknown): void };
    };
    port1.onmessage = () => {
      port1.close();
      resolve();
    };
    port2.postMessage(undefined);
  });
}

export const platform: Platform = {
  name: 'browser',
  asyncContext: <T>() => new StackContext<T>(),
  setting: (name) => web.WEBGRAD_SETTINGS?.[name],
  cpuCount: () => Math.max(1, web.navigator?.hardwareConcurrency ?? 1),
  startWorker,
  sharedMemoryUsable: () => web.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function',
  readFile: async (path) => noFiles(`readFile(${path})`),
  writeFile: async (path) => noFiles(`writeFile(${path})`),
  writeFileAtomic: async (path) => noFiles(`writeFile(${path})`),
  rename: async (from) => noFiles(`rename(${from})`),
  mkdir: async (path) => noFiles(`mkdir(${path})`),
  joinPath: (...parts) => parts.filter((p) => p !== '').join('/'),
  gpuRoutes: (choice) => (choice === 'auto' ? ['browser'] : [choice]),
  requestAdapter,
  // Browsers expose `gc` only behind a flag (e.g. Chromium's --js-flags=--expose-gc).
  collectGarbage: () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (typeof gc !== 'function') return false;
    gc();
    return true;
  },
  nextTask,
};
