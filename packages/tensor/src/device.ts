/** The device new tensors go to when none is given. */
import { platform } from '#platform';
import { type Device, getBackend } from './backend.js';
import { fail } from './errors.js';

let defaultDevice: Device | undefined;
let noticed = false;

/** The device new tensors go to when their creator is not told one. */
export function setDefaultDevice(device: Device): void {
  if (device !== 'cpu' && device !== 'webgpu') fail('device', 'setDefaultDevice', `unknown device '${String(device)}'`);
  defaultDevice = device;
}

/**
 * The default device: set by `setDefaultDevice` (and by `initWebGPU` when `WEBGRAD_DEVICE=webgpu`),
 * else `cpu`. Creating a WebGPU device is asynchronous, so `WEBGRAD_DEVICE=webgpu` alone cannot
 * switch tensors created before `await initWebGPU()`: those fall back to the CPU with a one-line
 * notice.
 */
export function getDefaultDevice(): Device {
  if (defaultDevice) return defaultDevice;
  if (!noticed && platform.setting('WEBGRAD_DEVICE') === 'webgpu' && !getBackend('webgpu')) {
    noticed = true;
    console.warn('webgrad: WEBGRAD_DEVICE=webgpu but initWebGPU() has not completed; using the cpu device');
  }
  return 'cpu';
}
