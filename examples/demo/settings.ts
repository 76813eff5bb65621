/** The demo's run lengths and its one held-out test size (read by main.ts and its test). */
import { FT_DEFAULTS } from '../finetune/args.js';
import { DEFAULTS } from '../tiny-transformer/args.js';

/** Fine-tuning steps per method: the fine-tuning experiment's (examples/finetune/args.ts), same for both. */
export const STEPS = FT_DEFAULTS.steps;
/**
 * Held-out pairs per evaluation, for every task and model: the tiny-transformer's own test set
 * (the first 1000 pairs of its fixed held-out order), so the accuracy printed when the base is
 * pretrained and the one main.ts prints are one number on one set. (Once this was 500 here and
 * 1000 there: 98.0% on the first 500 pairs, 97.9% on all 1000, for the same model.)
 */
export const TEST_SIZE = DEFAULTS.testSize;
