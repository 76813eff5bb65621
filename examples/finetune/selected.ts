/**
 * The settings every reported run uses, frozen from the tuning run before any test-set run
 * (`pnpm --filter examples finetune --tune`: the grid of tune.ts on the tuning seed, chosen by
 * validation exact match; its table is in README.md and out/finetune/tuning.md).
 */
import type { AdapterFtMethod, FtMethod } from './methods.js';

export const SELECTED: { lr: Record<FtMethod, number>; scale: Record<AdapterFtMethod, number> } = {
  // PENDING: replaced by the tuning run's choice.
  lr: { full: 3e-2, lora: 3e-2, hira: 1e-1, abba: 1e-2, lora2r: 3e-2 },
  scale: { lora: 1, hira: 1, abba: 16, lora2r: 1 },
};
