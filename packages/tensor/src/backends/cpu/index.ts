/**
 * The CPU backend: storage is a typed array, kernels walk strided views. `KERNELS` (the readable
 * TypeScript kernels) has one entry per kernel primitive, so a new primitive does not compile
 * without one. Under the wasm kernel set (wasm/settings.ts, the default where the engine allows)
 * storage arrays are views on a shared WebAssembly.Memory and wasm/kernels.ts's table runs.
 */
import type { Backend, View } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import type { KernelPrim, PrimAttrs } from '../../prims.js';
import { cast, copy, elementwise } from './elementwise.js';
import { matmul } from './matmul.js';
import { concat, gather, pad, scatterAdd } from './movement.js';
import { poison, poisonOutputs } from './poison.js';
import { ArrayPool } from './pool.js';
import { reduce } from './reduce.js';
import { argsort } from './sort.js';
import { HEAP_MIN_ELEMENTS, WasmRuntime } from './wasm/runtime.js';
import { getCpuKernels } from './wasm/settings.js';

type CpuKernel<P extends KernelPrim> = (inputs: readonly View[], out: View, attrs: PrimAttrs[P]) => void;

const ew =
  (op: string): CpuKernel<KernelPrim> =>
  (inputs, out) =>
    elementwise(op, inputs, out);

const KERNELS: { [P in KernelPrim]: CpuKernel<P> } = {
  neg: ew('neg'),
  exp: ew('exp'),
  log: ew('log'),
  sqrt: ew('sqrt'),
  sin: ew('sin'),
  cos: ew('cos'),
  tanh: ew('tanh'),
  erf: ew('erf'),
  floor: ew('floor'),
  cast: ([x], out) => cast(x as View, out),
  add: ew('add'),
  sub: ew('sub'),
  mul: ew('mul'),
  div: ew('div'),
  pow: ew('pow'),
  max: ew('max'),
  cmplt: ew('cmplt'),
  cmpeq: ew('cmpeq'),
  floorDiv: ew('floorDiv'),
  remainder: ew('remainder'),
  where: ew('where'),
  sum: ([x], out, { axes }) => reduce('sum', x as View, out, axes),
  maxReduce: ([x], out, { axes }) => reduce('maxReduce', x as View, out, axes),
  prod: ([x], out, { axes }) => reduce('prod', x as View, out, axes),
  pad: ([x], out, attrs) => pad(x as View, out, attrs),
  concat: (inputs, out, { axis }) => concat(inputs, out, axis),
  gather: ([x, index], out, { axis }) => gather(x as View, index as View, out, axis),
  scatterAdd: ([x, index, src], out, { axis }) => scatterAdd(x as View, index as View, src as View, out, axis),
  matmul: ([a, b], out) => matmul(a as View, b as View, out),
  contiguous: ([x], out) => copy(x as View, out),
  argsort: ([x], out, attrs) => argsort(x as View, out, attrs),
};

/** Freed arrays kept for reuse, per backend (see pool.ts); beyond this they go to the GC. */
const POOL_BYTES = 64 * 1024 * 1024;

/** The CPU backend: typed arrays in a reuse pool, and kernels from the generated WebAssembly set where the engine supports SIMD128, else the TypeScript reference kernels. */
export class CpuBackend implements Backend<TypedArray> {
  readonly device = 'cpu' as const;
  private readonly pool = new ArrayPool(POOL_BYTES);
  /** The wasm kernel set's heap, pool and kernels, made on first use. */
  private wasm: WasmRuntime | undefined;

  private wasmRuntime(): WasmRuntime {
    this.wasm ??= new WasmRuntime(POOL_BYTES, KERNELS);
    return this.wasm;
  }

  /** A zero-filled array, or with `zeroed` false one whose contents are left as they are (poisoned under WEBGRAD_POISON_OUTPUTS, see poison.ts). */
  alloc(dtype: DType, size: number, zeroed = true): TypedArray {
    const array =
      size >= HEAP_MIN_ELEMENTS && getCpuKernels() === 'wasm'
        ? this.wasmRuntime().alloc(dtype, size, zeroed)
        : this.pool.take(dtype, size, zeroed);
    if (!zeroed && poisonOutputs()) poison(dtype, array);
    return array;
  }
  write(handle: TypedArray, _dtype: DType, data: TypedArray): void {
    handle.set(data);
  }
  async read(handle: TypedArray, _dtype: DType, size: number, offset = 0): Promise<TypedArray> {
    return handle.slice(offset, offset + size);
  }
  readSync(handle: TypedArray, _dtype: DType, size: number, offset = 0): TypedArray {
    return handle.slice(offset, offset + size);
  }
  free(handle: TypedArray, dtype: DType): void {
    // Called once the last storage holder let go: nothing else references `handle`. Storage
    // under HEAP_MIN_ELEMENTS never lives in the heap (alloc), so tiny frees skip owns().
    if (handle.length >= HEAP_MIN_ELEMENTS && this.wasm?.heap.owns(handle)) this.wasm.pool.give(dtype, handle);
    else this.pool.give(dtype, handle);
  }
  pooledBytes(): number {
    return this.pool.bytes + (this.wasm?.pooledBytes ?? 0);
  }
  run<P extends KernelPrim>(
    prim: P,
    inputs: readonly View<TypedArray>[],
    out: View<TypedArray>,
    attrs: PrimAttrs[P],
  ): void {
    const table = getCpuKernels() === 'wasm' ? this.wasmRuntime().kernels : KERNELS;
    (table[prim] as CpuKernel<P>)(inputs, out, attrs);
  }
}
