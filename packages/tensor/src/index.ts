/**
 * @webgrad/tensor: N-d tensors with NumPy semantics over pluggable backends (CPU, WebGPU).
 * @example
 *   import { tensor } from '@webgrad/tensor';
 *   const y = tensor([[1, 2], [3, 4]]).matmul(tensor([[1], [1]]));
 *   console.log(await y.array()); // [[3], [7]]
 * @module @webgrad/tensor
 */
import { registerBackend } from './backend.js';
import { CpuBackend } from './backends/cpu/index.js';

registerBackend(new CpuBackend());

export { type Backend, type Device, getBackend, registerBackend, unregisterBackend, type View } from './backend.js';
export { CpuBackend } from './backends/cpu/index.js';
export { cpuThreadsReady, cpuWorkerChunks } from './backends/cpu/wasm/runtime.js';
export {
  type CpuKernelSet,
  getCpuKernels,
  getCpuThreads,
  setCpuKernels,
  setCpuThreads,
  wasmKernelsAvailable,
} from './backends/cpu/wasm/settings.js';
// A type only: the WebGPU backend and its WGSL generators load on demand in initWebGPU().
export type { WebGpuBackend } from './backends/webgpu/backend.js';
export {
  type AdapterChoice,
  type AdapterInfo,
  adapterInfo,
  destroyWebGPU,
  type InitWebGPUOptions,
  initWebGPU,
  initWebGPUOrFallback,
  webgpuBackend,
} from './backends/webgpu/device.js';
export * from './creation.js';
export { getDefaultDevice, setDefaultDevice } from './device.js';
export {
  addObserver,
  dispatch,
  type Interpreter,
  interpreterOf,
  type Observer,
  type OpRecord,
  pushInterpreter,
  viewOf,
} from './dispatch.js';
export { DTYPES, type DType, isFloat, promoteTypes, type TypedArray } from './dtype.js';
export { TensorError, type TensorErrorKind } from './errors.js';
export { keep, type MemoryInfo, memory, tidy, tidyAsync } from './memory.js';
export * from './ops/index.js';
export { platform } from './platform/index.js';
export type { AsyncContext, GpuRoute, Platform, WorkerHandle } from './platform/types.js';
export { type KernelPrim, type OutMeta, PRIMS, type Prim, type PrimAttrs, type PrimKind } from './prims.js';
export { manualSeed } from './random.js';
export { broadcastShapes, contiguousStrides, normalizeAxes, normalizeAxis, type Shape, sizeOf } from './shape.js';
export { type Axis, type NestedArray, Tensor, type TensorLike } from './tensor.js';
