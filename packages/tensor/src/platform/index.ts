/**
 * The runtime seam, as a public export for the other packages (`import { platform } from
 * '@webgrad/tensor'`): Node's or the browser's implementation, picked by the `#platform` import
 * condition in package.json. See types.ts for what it offers.
 * @example
 *   import { platform } from '@webgrad/tensor';
 *   const threads = platform.cpuCount();
 *   const device = platform.setting('WEBGRAD_DEVICE'); // process.env in Node, WEBGRAD_SETTINGS in a browser
 */
import { platform as selected } from '#platform';
import type { Platform } from './types.js';

/** The runtime's platform module (Node's or the browser's, chosen by the `browser` export condition). */
export const platform: Platform = selected;
