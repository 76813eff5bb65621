/**
 * What is run, fixed before any test-set result existed: the tuned slots, the transferred ones,
 * the evaluation seeds, and the evaluation stages in the order they run. The full design (every
 * method on every arm at both budgets) is 4 arms x 5 seeds x 11 runs = 220 runs of 1000 steps;
 * at about a minute a run on this machine's shared CPU that did not fit one session, so the
 * stages run in this order and the report states which completed. The primary endpoint (stage 1)
 * and the LoRA-native control (stage 2) come first and are never changed.
 */
import type { MethodKey } from './methods.js';
import type { Arm } from './shifts.js';
import type { Slot } from './tune.js';

/** Evaluation seeds (each sets dW*, adapter init and data order); the tuning seed is 0. */
export const EVAL_SEEDS = [1, 2, 3, 4, 5] as const;
/** The primary budget. */
export const PRIMARY_R = 16;

/** Tuned on the grid (arm P, tuning seed). */
export const GRID_SLOTS: Slot[] = ['lora@16', 'abba@16', 'hira@16', 'full@16'];
/** Not tuned: the lr and s0-multiple of the same family's r = 16 choice, with their own s0. */
export const TRANSFERRED: [Slot, Slot][] = [
  ['lora2r@16', 'lora@16'],
  ['abbaR@16', 'abba@16'],
  ['lora@8', 'lora@16'],
  ['abba@8', 'abba@16'],
  ['hira@8', 'hira@16'],
];

export interface Stage {
  name: string;
  arms: Arm[];
  methods: MethodKey[];
  r: number;
}

export const STAGES: Stage[] = [
  { name: 'primary', arms: ['P'], methods: ['lora', 'abba'], r: 16 },
  { name: 'control', arms: ['L'], methods: ['lora', 'abba'], r: 16 },
  { name: 'P-rest', arms: ['P'], methods: ['hira', 'full'], r: 16 },
  { name: 'native', arms: ['H', 'A'], methods: ['lora', 'abba', 'hira'], r: 16 },
  { name: 'full-rest', arms: ['L', 'H', 'A'], methods: ['full'], r: 16 },
  { name: 'references', arms: ['P'], methods: ['lora2r', 'abbaR'], r: 16 },
  { name: 'budget8', arms: ['P'], methods: ['lora', 'abba', 'hira'], r: 8 },
  { name: 'L-hira', arms: ['L'], methods: ['hira'], r: 16 },
];
