/**
 * Each arm's dW* fitted directly with the reconstruction program's fitter (examples/reconstruction:
 * LoRA by truncated SVD, the exact optimum; ABBA and HiRA by Adam on ||dW - dW*||_F), at the
 * fine-tuning budgets. A fine-tuning gap without a reconstruction gap points at optimisation, not
 * expressivity. One layer (fc1) of one seed per arm, float64.
 */
import { DEFAULTS as RECON } from '../reconstruction/args.js';
import { disposeTarget, runTarget } from '../reconstruction/run.js';
import { shiftSeed } from './data.js';
import type { GeluMLP } from './mlp.js';
import { ARMS, type Arm, plantedShift } from './shifts.js';

export interface ReconstructionRow {
  arm: Arm;
  seed: number;
  r: number;
  loraSvd: number;
  abba: number;
  hira: number;
}

/**
 * Relative errors ||dW - dW*||_F / ||dW*||_F of the best fits of fc1's dW* for `seed`.
 * @example const rows = await reconstructShifts(base, 1, [8, 16], console.log);
 */
export async function reconstructShifts(
  base: GeluMLP,
  seed: number,
  budgets: readonly number[],
  log: (s: string) => void,
  arms: readonly Arm[] = ARMS,
  steps: number = RECON.steps,
): Promise<ReconstructionRow[]> {
  const w0 = (base as unknown as Record<string, { weight: import('@webgrad/tensor').Tensor }>).fc1?.weight;
  if (!w0) throw new Error('reconstructShifts: the base has no fc1');
  const rows: ReconstructionRow[] = [];
  for (const arm of arms) {
    const t = await plantedShift(arm, w0, shiftSeed(arm, seed, 0));
    const target = { kind: `arm ${arm}`, t, w0: w0.cast('float64'), description: `dW* of fc1, arm ${arm}` };
    try {
      const res = await runTarget(
        target,
        {
          ...RECON,
          steps,
          budgets,
          abbaInits: ['svd', 'random'],
          loraAdam: false,
          seed,
          logEvery: Math.max(1, Math.floor(steps / 20)),
        },
        log,
      );
      for (const row of res.rows)
        rows.push({ arm, seed, r: row.r, loraSvd: row.loraSvd, abba: row.abba, hira: row.hira });
    } catch (e) {
      // Reported, not hidden: the arm's row is missing from the table and the log says why.
      log(`  arm ${arm}: the reconstruction fit failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    disposeTarget(target);
  }
  return rows;
}
