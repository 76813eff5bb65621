/**
 * The few WebAssembly JS-API declarations this folder uses. TypeScript ships them only in the DOM
 * lib, which this workspace does not load (Node's type package of our pinned version has none).
 * Internal: no exported signature of the package mentions these types.
 */
declare namespace WebAssembly {
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    /** Grows by `delta` pages of 64 KiB; returns the previous size in pages. */
    grow(delta: number): number;
  }
  class Module {
    constructor(bytes: BufferSource);
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  function validate(bytes: BufferSource): boolean;
}
