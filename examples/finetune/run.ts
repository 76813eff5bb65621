/**
 * One fine-tuning run: load the pretrained checkpoint, make it trainable by one method, train on
 * subtraction, then measure held-out exact match on subtraction and on addition (forgetting).
 * Optionally saves the result: the full fine-tuned weights (safetensors) or the adapter
 * (PEFT-style folder, `saveAdapter`).
 */
import { type AbbaInit, saveAdapter } from '@webgrad/abba';
import type { Device } from '@webgrad/tensor';
import { loadCheckpoint, saveCheckpoint } from '../tiny-transformer/checkpoint.js';
import { answerLoss, evaluateTask } from './batch-eval.js';
import { DEFAULT_ABBA_INIT, DEFAULT_SCALE, type FtMethod, prepareMethod } from './methods.js';
import { ADDITION, SUBTRACTION, subtractionValidationPairs } from './task.js';
import { finetune } from './train.js';

export interface RunConfig {
  /** The pretrained (addition) checkpoint. */
  basePath: string;
  method: FtMethod;
  /** LoRA-equivalent budget (LoRA / HiRA rank; ABBA r1 = r2 = r / 2). */
  r: number;
  /** Adapter scale s (ignored by full fine-tuning; default `DEFAULT_SCALE[method]`). */
  scale?: number;
  /** ABBA initialisation (default `DEFAULT_ABBA_INIT`, 'svd'). */
  abbaInit?: AbbaInit;
  /** Seeds the adapter initialisation and the data order. */
  seed: number;
  steps: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  gradClip: number;
  /** Held-out pairs evaluated per task. */
  testSize: number;
  /**
   * 'test': measure the test set (subtraction) and addition (forgetting); 'validation': measure only
   * the validation set (tuning runs, which never see the test set). Default 'test'.
   */
  evaluate?: 'test' | 'validation';
  /** Validation pairs (default 1000). */
  validationSize?: number;
  device: Device;
  /** Where to save the result (full: a safetensors file path; adapters: a folder); none if absent. */
  savePath?: string;
  /** Generated examples to keep from each evaluation. */
  samples?: number;
}

export interface RunResult {
  method: FtMethod;
  label: string;
  seed: number;
  lr: number;
  /** Adapter scale s and ABBA init as used (absent for full fine-tuning / non-ABBA). */
  scale?: number;
  abbaInit?: AbbaInit;
  steps: number;
  trainable: number;
  /** Parameters of the adapted model (base + adapter). */
  total: number;
  /** Test-set exact match on subtraction after adaptation (NaN: not measured, a tuning run). */
  subtraction: number;
  /** Held-out exact match on addition after adaptation (NaN in tuning runs). */
  addition: number;
  /** Validation exact match and answer-token loss (tuning runs only). */
  validation?: { accuracy: number; loss: number };
  trainSeconds: number;
  evalSeconds: number;
  peakTensorBytes: number;
  peakRssBytes: number;
  losses: number[];
  samples: { subtraction: string[]; addition: string[] };
}

/**
 * Runs `config` start to end; `onStep` sees each step's loss (for a progress bar).
 * @example const r = await runOne({ basePath, method: 'abba', r: 8, seed: 0, steps: 300, ... });
 */
export async function runOne(config: RunConfig, onStep?: (step: number, loss: number) => void): Promise<RunResult> {
  const { model, tokenizer: tok, metadata } = await loadCheckpoint(config.basePath, config.device);
  if (!tok.vocab.includes('-'))
    throw new Error(`runOne: ${config.basePath} has vocab '${tok.vocab}' without '-'; pretrain with the current one`);
  const { method } = config;
  const scale = method === 'full' ? undefined : (config.scale ?? DEFAULT_SCALE[method]);
  const abbaInit = method === 'abba' ? (config.abbaInit ?? DEFAULT_ABBA_INIT) : undefined;
  const prepared = await prepareMethod(model, method, { r: config.r, seed: config.seed, scale, abbaInit });
  const trained = await finetune(
    model,
    tok,
    SUBTRACTION,
    prepared.params,
    {
      steps: config.steps,
      batchSize: config.batchSize,
      lr: config.lr,
      warmupSteps: config.warmupSteps,
      gradClip: config.gradClip,
      seed: config.seed,
    },
    onStep,
  );
  const t0 = performance.now();
  const samples = config.samples ?? 0;
  const none = { accuracy: Number.NaN, samples: [] as string[] };
  let sub = none;
  let add = none;
  let validation: RunResult['validation'];
  if (config.evaluate === 'validation') {
    const pairs = subtractionValidationPairs(config.validationSize ?? 1000);
    const v = await evaluateTask(model, tok, SUBTRACTION, pairs);
    validation = { accuracy: v.accuracy, loss: await answerLoss(model, tok, SUBTRACTION, pairs) };
  } else {
    sub = await evaluateTask(model, tok, SUBTRACTION, SUBTRACTION.testPairs(config.testSize), { samples });
    add = await evaluateTask(model, tok, ADDITION, ADDITION.testPairs(config.testSize), { samples });
  }
  const evalSeconds = (performance.now() - t0) / 1000;
  if (config.savePath !== undefined) {
    if (config.method === 'full') {
      const { config: gptConfig } = model;
      await saveCheckpoint(config.savePath, model, {
        config: gptConfig,
        tokenizer: tok,
        extra: {
          task: 'aaa-bbb=dddd (a >= b), difference zero-padded to 4 digits and reversed',
          base: metadata.accuracy ? `addition accuracy ${metadata.accuracy}` : 'addition',
          method: prepared.label,
          seed: config.seed,
          steps: config.steps,
          lr: config.lr,
          subtractionAccuracy: sub.accuracy,
          additionAccuracy: add.accuracy,
        },
      });
    } else {
      await saveAdapter(model, config.savePath);
    }
  }
  return {
    method: config.method,
    label: prepared.label,
    seed: config.seed,
    lr: config.lr,
    ...(scale === undefined ? {} : { scale }),
    ...(abbaInit === undefined ? {} : { abbaInit }),
    steps: config.steps,
    trainable: prepared.trainable,
    total: prepared.total,
    subtraction: sub.accuracy,
    addition: add.accuracy,
    ...(validation === undefined ? {} : { validation }),
    trainSeconds: trained.seconds,
    evalSeconds,
    peakTensorBytes: trained.peakTensorBytes,
    peakRssBytes: trained.peakRssBytes,
    losses: trained.losses,
    samples: { subtraction: sub.samples, addition: add.samples },
  };
}
