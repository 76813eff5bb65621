/**
 * What the wasm kernels need from the host: the core count. (Worker start-up joins it with the
 * threads work.) Node's os module here; a browser reports navigator.hardwareConcurrency.
 */
import { availableParallelism } from 'node:os';

export function cpuCount(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? availableParallelism());
}
