/**
 * The platform seam: everything the library needs from its runtime that differs between Node and
 * a browser. `node.ts` and `browser.ts` each export one `platform` object of this type; the
 * package's `imports` map (`#platform` in package.json) picks one by export condition
 * (`browser` -> browser.ts, `node`/default -> node.ts), so a browser bundle never sees a Node
 * built-in and no code sniffs the runtime. Nothing else in the packages touches `process`,
 * `node:*` modules, `navigator` or `Worker` directly.
 */

/** A value that follows the logical flow of a call, across awaits (Node's AsyncLocalStorage). */
export interface AsyncContext<T> {
  /** Runs `fn` with `value` as the current value; for an async `fn`, until its promise settles. */
  run<R>(value: T, fn: () => R): R;
  /** The value of the innermost `run` in progress, or undefined. */
  get(): T | undefined;
}

/** A worker running browser-style source (`self.onmessage = (e) => ...; postMessage(...)`). */
export interface WorkerHandle {
  /** Sends `message` (structured clone; `transfer` lists ArrayBuffers to move, not copy). */
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  /** Called with `e.data` of every message the worker posts. */
  onMessage(listener: (data: unknown) => void): void;
  /** Called when the worker throws or fails to start. */
  onError(listener: (error: Error) => void): void;
  /**
   * Whether the worker keeps the process alive (Node; a no-op in a browser). Workers start
   * without, so an idle pool never holds a process open; turn it on while awaiting a reply
   * that nothing else waits for, and off again after.
   */
  keepAlive(alive: boolean): void;
  /** Stops the worker. */
  terminate(): void;
}

/** Where a WebGPU adapter comes from: Dawn's Vulkan or OpenGL ES backend in Node, or the browser's. */
export type GpuRoute = 'vulkan' | 'opengles' | 'browser';

/** The adapter choices `initWebGPU({ adapter })` accepts. */
export type AdapterChoice = 'auto' | 'vulkan' | 'opengles';

/** What the library needs from its runtime (see this file's header); `platform` is the one in use. */
export interface Platform {
  readonly name: 'node' | 'browser';
  /** A fresh async context (a fallback with documented limits where the runtime has none). */
  asyncContext<T>(): AsyncContext<T>;
  /**
   * A configuration setting such as `WEBGRAD_DEVICE`: the environment variable in Node, the
   * property of `globalThis.WEBGRAD_SETTINGS` in a browser; undefined when unset.
   */
  setting(name: string): string | undefined;
  /** How many threads can usefully run at once (at least 1). */
  cpuCount(): number;
  /**
   * Starts a worker from browser-style source text. In Node it is a worker_threads Worker that
   * never keeps the process alive; in a browser, a Web Worker from a Blob URL.
   */
  startWorker(source: string): WorkerHandle;
  /** Whether SharedArrayBuffer can be shared with workers (in a browser: `crossOriginIsolated`). */
  sharedMemoryUsable(): boolean;
  /** File I/O (Node only; in a browser these throw a TensorError pointing to the byte-level API). */
  readFile(path: string): Promise<Uint8Array>;
  /** Writes `data` to `path` (Node only). */
  writeFile(path: string, data: Uint8Array | string): Promise<void>;
  /**
   * Writes via a temp file in the same directory, fsynced and renamed over `path`: readers see the
   * old file or the new one, never a partial write.
   */
  writeFileAtomic(path: string, data: Uint8Array | string): Promise<void>;
  /** Renames a file (Node only). */
  rename(from: string, to: string): Promise<void>;
  /** Creates `path` and its parents; fine if it exists. */
  mkdir(path: string): Promise<void>;
  /** Joins path segments with the platform's separator. */
  joinPath(...parts: string[]): string;
  /** The adapter routes `initWebGPU` tries, in order, for `choice`. */
  gpuRoutes(choice: AdapterChoice): readonly GpuRoute[];
  /**
   * Opens the WebGPU entry for `route` and requests an adapter: the `webgpu` npm package (loaded
   * only now) in Node, `navigator.gpu` in a browser. A string says why there is none.
   */
  requestAdapter(route: GpuRoute): Promise<{ gpu: GPU; adapter: GPUAdapter } | string>;
  /**
   * Runs a full garbage collection now, where the runtime lets a library ask (Node: V8's `gc`,
   * reached the way jest's leak detector does); false where it cannot (a browser without `gc`).
   * The memory safety net calls it when unreachable tensors pile up (see gc-net.ts).
   */
  collectGarbage(): boolean;
  /**
   * Resolves in a new macrotask (Node: setImmediate; browser: a MessageChannel message), after
   * pending finalizer callbacks have had their turn.
   */
  nextTask(): Promise<void>;
}
