/**
 * Instantiating a peak-probe module (lib/peak-kernels.ts) on this thread, shared by the main
 * thread and the probe's workers (lib/peak-worker.ts), and the layout of their control buffer. The WebAssembly JS API is reached through globalThis with the
 * few types we use: this workspace loads no DOM lib, where TypeScript declares it.
 */

interface WasmApi {
  Memory: new (descriptor: { initial: number }) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: Record<string, unknown> };
}

/** Int32 words of the two-core probe's control buffer; elapsed times follow as float64 from byte TIMES_AT. */
export const GO = 0;
export const DONE = 1;
export const TIMES_AT = 8;

/** A probe program ready to run: `setup()` once, then `run(count)` as often as wanted. */
export interface ProbeInstance {
  setup: () => void;
  run: (count: number) => void;
}

/**
 * Compiles and instantiates `bytes` with a fresh one-page private memory (64 KiB, enough for
 * every probe: the panels are sized for L1).
 * @example const p = instantiateProbe(probe('stream', 'f32').bytes); p.setup(); p.run(1000);
 */
export function instantiateProbe(bytes: Uint8Array): ProbeInstance {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const memory = new wasm.Memory({ initial: 1 });
  const { exports } = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
  return { setup: exports.setup as () => void, run: exports.run as (count: number) => void };
}
