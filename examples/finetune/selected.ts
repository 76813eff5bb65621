/**
 * The settings every reported run uses, frozen from the tuning run before any test-set run
 * (`pnpm --filter examples finetune --tune`: the grid of tune.ts on the tuning seed, chosen by
 * validation exact match; its table is in README.md and out/finetune/tuning.md).
 */
import type { AdapterFtMethod, FtMethod } from './methods.js';

export const SELECTED: { lr: Record<FtMethod, number>; scale: Record<AdapterFtMethod, number> } = {
  // Tuning run of 2026-12-01 (tuning seed 1000, 1,000 validation pairs, 300 steps; README.md):
  // full 90.7%, LoRA r=8 39.8%, HiRA 25.1%, ABBA 22.6%, LoRA r=16 25.4% validation exact match.
  lr: { full: 1e-2, lora: 1e-2, hira: 3e-2, abba: 3e-2, lora2r: 1e-2 },
  scale: { lora: 4, hira: 8, abba: 8, lora2r: 2 },
};
