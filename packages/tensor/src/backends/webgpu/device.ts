/**
 * Choosing a WebGPU adapter: in Node (Dawn, the optional `webgpu` package) Vulkan first (lavapipe
 * on machines without a GPU), then OpenGL ES in compatibility mode; in a browser `navigator.gpu`
 * (the platform seam, platform/, does the runtime part). Requests the adapter's real limits
 * (compatibility-mode defaults are too low for our kernels) and registers the backend. The
 * backend and its WGSL generators are imported only here, so a CPU-only user never loads them.
 */
import { platform } from '#platform';
import { registerBackend, unregisterBackend } from '../../backend.js';
import { getDefaultDevice, setDefaultDevice } from '../../device.js';
import { TensorError } from '../../errors.js';
import type { AdapterChoice, GpuRoute } from '../../platform/types.js';
import type { WebGpuBackend } from './backend.js';

export type { AdapterChoice } from '../../platform/types.js';

/** Options of `initWebGPU`. */
export interface InitWebGPUOptions {
  /** Which Dawn backend to use in Node; default `WEBGRAD_ADAPTER` or 'auto' (Vulkan, then OpenGL ES; in a browser, its own). */
  adapter?: AdapterChoice;
  /** Make webgpu the default device (also when `WEBGRAD_DEVICE=webgpu`). */
  setDefault?: boolean;
}

/** Which WebGPU adapter `initWebGPU` got (`adapterInfo()`). */
export interface AdapterInfo {
  /** 'browser' when the adapter came from `navigator.gpu`. */
  backend: GpuRoute;
  vendor: string;
  architecture: string;
  description: string;
  featureLevel: 'core' | 'compatibility';
  limits: Record<string, number>;
}

/** The one line telling a user how to get a driver (Node) or an adapter (a browser). */
export const INSTALL_HINT =
  platform.name === 'browser'
    ? 'use a browser with WebGPU enabled (headless Chromium: --enable-unsafe-webgpu)'
    : 'install a WebGPU driver with `bash scripts/setup-system.sh` (Mesa lavapipe: mesa-vulkan-drivers from bookworm-backports)';

// `gpu` (Dawn's instance) must outlive the device: if it is garbage collected while the device
// works, dawn.node crashes. Dropping it in destroyWebGPU lets the process exit.
let current: { backend: WebGpuBackend; info: AdapterInfo; gpu: GPU } | undefined;
let starting: Promise<AdapterInfo> | undefined;

function limitsOf(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k in adapter.limits) {
    const v = (adapter.limits as unknown as Record<string, unknown>)[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

async function start(choice: AdapterChoice): Promise<AdapterInfo> {
  const failures: string[] = [];
  for (const route of platform.gpuRoutes(choice)) {
    const got = await platform.requestAdapter(route);
    if (typeof got === 'string') {
      failures.push(got);
      continue;
    }
    const limits = limitsOf(got.adapter);
    const device = await got.adapter.requestDevice({ requiredLimits: limits });
    const { WebGpuBackend } = await import('./backend.js');
    const backend = new WebGpuBackend(device);
    const i = got.adapter.info;
    const info: AdapterInfo = {
      backend: route,
      vendor: i.vendor,
      architecture: i.architecture,
      description: i.description || i.device,
      featureLevel: route === 'opengles' ? 'compatibility' : 'core',
      limits,
    };
    current = { backend, info, gpu: got.gpu };
    registerBackend(backend);
    return info;
  }
  throw new TensorError('device', `initWebGPU: no WebGPU adapter (${failures.join('; ')}); ${INSTALL_HINT}`);
}

function requestedChoice(opts?: InitWebGPUOptions): AdapterChoice {
  const c = opts?.adapter ?? platform.setting('WEBGRAD_ADAPTER') ?? 'auto';
  if (c !== 'auto' && c !== 'vulkan' && c !== 'opengles') {
    throw new TensorError('value', `initWebGPU: unknown adapter '${c}' (expected auto, vulkan or opengles)`);
  }
  return c;
}

/**
 * Starts WebGPU once and registers the `webgpu` backend; returns what adapter it got.
 * Throws TensorError('device') with an install hint when no adapter is available.
 * @example
 *   const info = await initWebGPU({ setDefault: true });
 *   console.log(info.backend, info.description); // 'vulkan', 'llvmpipe ...'
 */
export async function initWebGPU(opts?: InitWebGPUOptions): Promise<AdapterInfo> {
  const choice = requestedChoice(opts);
  starting ??= start(choice).catch((e) => {
    starting = undefined;
    throw e;
  });
  const info = await starting;
  if (opts?.setDefault || platform.setting('WEBGRAD_DEVICE') === 'webgpu') setDefaultDevice('webgpu');
  return info;
}

/**
 * Like `initWebGPU`, but when WebGPU was not explicitly asked for (`WEBGRAD_DEVICE=webgpu`,
 * `opts.setDefault` or `opts.adapter`) a missing driver prints one line and keeps the CPU.
 * @example const info = await initWebGPUOrFallback(); // undefined: running on the CPU
 */
export async function initWebGPUOrFallback(opts?: InitWebGPUOptions): Promise<AdapterInfo | undefined> {
  const explicit =
    platform.setting('WEBGRAD_DEVICE') === 'webgpu' || opts?.setDefault === true || opts?.adapter !== undefined;
  try {
    return await initWebGPU(opts);
  } catch (e) {
    if (explicit || !(e instanceof TensorError) || e.kind !== 'device') throw e;
    console.log(`webgrad: WebGPU unavailable, using the CPU; ${INSTALL_HINT}`);
    return undefined;
  }
}

/** The adapter WebGPU runs on; throws when `initWebGPU` has not succeeded. */
export function adapterInfo(): AdapterInfo {
  if (!current) throw new TensorError('device', 'adapterInfo: WebGPU is not initialised; call initWebGPU() first');
  return current.info;
}

/** The live backend, for tests and benchmarks (undefined before `initWebGPU`). */
export function webgpuBackend(): WebGpuBackend | undefined {
  return current?.backend;
}

/**
 * Destroys the device and unregisters the backend so the process can exit; webgpu tensors
 * still alive become unusable. The default device falls back to cpu.
 * @example await initWebGPU(); ...; destroyWebGPU();
 */
export function destroyWebGPU(): void {
  if (!current) return;
  unregisterBackend('webgpu');
  if (getDefaultDevice() === 'webgpu') setDefaultDevice('cpu');
  current.backend.destroy();
  current = undefined;
  starting = undefined;
}
