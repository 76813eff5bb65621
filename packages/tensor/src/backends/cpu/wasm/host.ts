/**
 * What the wasm kernels need from the host: the core count. (Worker start-up joins it with the
 * threads work.) From the platform seam: Node's os module, or navigator.hardwareConcurrency.
 */
import { platform } from '#platform';

export function cpuCount(): number {
  return platform.cpuCount();
}
