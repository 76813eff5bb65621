/** The device new tensors go to when none is given. */
import type { Device } from './backend.js';
import { fail } from './errors.js';

let defaultDevice: Device | undefined;

export function setDefaultDevice(device: Device): void {
  if (device !== 'cpu' && device !== 'webgpu') fail('device', 'setDefaultDevice', `unknown device '${String(device)}'`);
  defaultDevice = device;
}

/**
 * The default device: set by `setDefaultDevice`, else `cpu`. (`WEBGRAD_DEVICE=webgpu` is honoured
 * by `initWebGPU`, which sets the default once an adapter is up.)
 */
export function getDefaultDevice(): Device {
  return defaultDevice ?? 'cpu';
}
