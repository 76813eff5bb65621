/** What the wasm kernels need from the host, through the platform seam. */
import { platform } from '#platform';

export const cpuCount = (): number => platform.cpuCount();

/** A setting (process.env in Node), or undefined. */
export const setting = (name: string): string | undefined => platform.setting(name);
