import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapterLayers } from '@webgrad/abba';
import { GPT, Linear } from '@webgrad/nn';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFinetuneArgs } from '../finetune/args.js';
import { PINNED_BASE, PINNED_BASE_SHA256, sha256File, verifyBase } from '../finetune/base-model.js';
import { evaluateTask, makeTaskBatch } from '../finetune/batch-eval.js';
import { expectedTrainable, FT_METHODS, prepareMethod } from '../finetune/methods.js';
import { formatAccuracy, markdownTable, pairedTable, resultsTable, summarize } from '../finetune/report.js';
import type { RunResult } from '../finetune/run.js';
import { pairedDifference, tQuantile975 } from '../finetune/stats.js';
import {
  ADDITION,
  formatSubtraction,
  SUBTRACTION,
  subtractionSampler,
  subtractionTestPairs,
  subtractionValidationPairs,
} from '../finetune/task.js';
import { finetune } from '../finetune/train.js';
import {
  calibratedScales,
  nearestPowerOfTwo,
  selectBest,
  TUNE_LRS,
  TUNE_SCALE_FACTORS,
  tuneGrid,
} from '../finetune/tune.js';
import { CONTEXT_LEN, IGNORE } from '../tiny-transformer/batch.js';
import { isHeldOut, PROMPT_LEN, SEQ_LEN } from '../tiny-transformer/data.js';
import { CharTokenizer } from '../tiny-transformer/tokenizer.js';

const tok = new CharTokenizer();
/** The tiny-transformer recipe's model (26,240 parameters with the 13-token vocabulary). */
const RECIPE = {
  vocabSize: tok.vocabSize,
  blockSize: CONTEXT_LEN,
  nLayer: 2,
  nHead: 4,
  nEmbd: 32,
  gelu: 'tanh' as const,
};

describe('subtraction data', () => {
  it('writes aaa-bbb=dddd with a >= b and the difference reversed', () => {
    expect(formatSubtraction(357, 68)).toBe('357-068=9820');
    expect(formatSubtraction(999, 0)).toBe('999-000=9990');
    expect(formatSubtraction(5, 5)).toBe('005-005=0000');
    expect(() => formatSubtraction(3, 4)).toThrow(/b <= a/);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 999 }), (x, y) => {
        const [a, b] = x >= y ? [x, y] : [y, x];
        const s = formatSubtraction(a, b);
        expect(s).toHaveLength(SEQ_LEN);
        expect(s[3]).toBe('-');
        expect(Number([...s.slice(PROMPT_LEN)].reverse().join(''))).toBe(a - b);
        expect(tok.decode(tok.encode(s))).toBe(s);
      }),
    );
  });

  it('samples ordered, non-held-out training pairs and a disjoint, fixed test set', () => {
    const test = subtractionTestPairs(1000);
    expect(test).toHaveLength(1000);
    expect(new Set(test.map(([a, b]) => `${a},${b}`)).size).toBe(1000);
    for (const [a, b] of test) {
      expect(a >= b && b >= 100 && a <= 999).toBe(true);
      expect(isHeldOut(a, b)).toBe(true);
    }
    expect(subtractionTestPairs(1000)).toEqual(test);
    const inTest = new Set(test.map(([a, b]) => `${a},${b}`));
    for (const seed of [0, 1, 2]) {
      const next = subtractionSampler(seed);
      for (let i = 0; i < 5000; i++) {
        const [a, b] = next();
        expect(a >= b && !isHeldOut(a, b) && !inTest.has(`${a},${b}`)).toBe(true);
      }
    }
  });

  it('batches subtraction with targets on the answer tokens only', async () => {
    const { x, y } = makeTaskBatch(SUBTRACTION, [[357, 68]], tok);
    expect(tok.decode(await x.data())).toBe('357-068=982');
    const ys = [...(await y.data())];
    expect(ys.slice(0, PROMPT_LEN - 1).every((v) => v === IGNORE)).toBe(true);
    expect(tok.decode(ys.slice(PROMPT_LEN - 1))).toBe('9820');
  });
});

describe('matched budgets', () => {
  it('gives LoRA r=8, HiRA r=8 and ABBA r1=r2=4 the same 8,192 trainable parameters (LoRA r=16 twice that)', async () => {
    const shapes = new GPT({ ...RECIPE, seed: 0 })
      .namedModules()
      .filter(([, m]) => m instanceof Linear)
      .map(([, m]) => [(m as Linear).outFeatures, (m as Linear).inFeatures] as [number, number]);
    // Per block: cAttn [96, 32], attn cProj [32, 32], cFc [128, 32], mlp cProj [32, 128].
    expect(shapes).toEqual([
      [96, 32],
      [32, 32],
      [128, 32],
      [32, 128],
      [96, 32],
      [32, 32],
      [128, 32],
      [32, 128],
    ]);
    const counts: Record<string, number> = {};
    for (const method of FT_METHODS) {
      const model = new GPT({ ...RECIPE, seed: 0 });
      const { trainable, total } = await prepareMethod(model, method, { r: 8, seed: 0 });
      expect(trainable).toBe(expectedTrainable(method, 8, shapes, 26240));
      expect(total).toBe(26240 + (method === 'full' ? 0 : trainable));
      counts[method] = trainable;
    }
    expect(counts).toEqual({ full: 26240, lora: 8192, hira: 8192, abba: 8192, lora2r: 16384 });
  });

  it('one adaptation step changes only adapter parameters (all parameters for full fine-tuning)', async () => {
    for (const method of FT_METHODS) {
      const model = new GPT({ ...RECIPE, nEmbd: 16, nHead: 2, seed: 1 });
      const { params } = await prepareMethod(model, method, { r: 4, seed: 0 });
      const trainableSet = new Set(params);
      const before = new Map(model.namedParameters().map(([n, p]) => [n, Float32Array.from(p.dataSync())]));
      await finetune(model, tok, SUBTRACTION, params, {
        steps: 2,
        batchSize: 8,
        lr: 1e-2,
        warmupSteps: 0,
        gradClip: 1,
        seed: 0,
      });
      let changedTrainable = 0;
      for (const [name, p] of model.namedParameters()) {
        const changed = p.dataSync().some((v, i) => v !== before.get(name)?.[i]);
        if (!trainableSet.has(p)) expect(changed, `${method}: frozen ${name} changed`).toBe(false);
        else if (changed) changedTrainable++;
      }
      expect(changedTrainable, method).toBeGreaterThan(0);
      if (method === 'full') expect(params).toHaveLength(model.parameters().length);
      else expect(params.every((p) => !/^(wte|wpe|lnF)|\.base\.|ln[12]/.test(nameOf(model, p)))).toBe(true);
    }
  });
});

function nameOf(model: GPT, p: unknown): string {
  return model.namedParameters().find(([, q]) => q === p)?.[0] ?? '?';
}

describe('evaluation and reporting', () => {
  it('evaluates any task with batched greedy decoding', async () => {
    const model = new GPT({ ...RECIPE, nEmbd: 8, nHead: 2, nLayer: 1, seed: 0 });
    for (const task of [ADDITION, SUBTRACTION]) {
      const r = await evaluateTask(model, tok, task, task.testPairs(20), { samples: 2 });
      expect(r.total).toBe(20);
      expect(r.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.samples).toHaveLength(2);
      expect(r.samples[0]?.startsWith(task.formatPrompt(...(task.testPairs(1)[0] as [number, number])))).toBe(true);
    }
  });

  it('formats the results table with mean, spread and per-seed values', () => {
    const run = (method: RunResult['method'], seed: number, sub: number): RunResult => ({
      method,
      label: method === 'lora' ? 'LoRA r=8' : 'ABBA r1=r2=4',
      seed,
      lr: 0.01,
      steps: 10,
      trainable: 8192,
      total: 34432,
      subtraction: sub,
      addition: 0.5,
      trainSeconds: 2,
      evalSeconds: 0.1,
      peakTensorBytes: 2 ** 20,
      peakRssBytes: 3 * 2 ** 20,
      losses: [1, 0.5],
      samples: { subtraction: [], addition: [] },
    });
    const runs = [run('lora', 1, 0.5), run('lora', 0, 0.4), run('lora', 2, 0.6), run('abba', 0, 0.9)];
    const s = summarize(runs);
    expect(s.map((x) => [x.method, x.seeds])).toEqual([
      ['lora', [0, 1, 2]],
      ['abba', [0]],
    ]);
    expect(formatAccuracy(s[0]?.subtraction ?? [])).toBe('50.0 ± 10.0 (40.0, 50.0, 60.0)');
    expect(formatAccuracy([0.9])).toBe('90.0');
    const table = resultsTable(s, 26240).split('\n');
    expect(table).toHaveLength(4);
    expect(table[0]).toMatch(/^\| method +\| trainable params/);
    expect(table[1]).toMatch(/^\| -+ \| -+/);
    expect(table[2]).toContain('| LoRA r=8 ');
    expect(table[2]).toContain('8,192 (31.2%)');
    expect(table[2]).toContain('| 1.00 ');
    expect(table[2]).toContain('| 3.00 ');
    expect(new Set(table.map((l) => l.length)).size).toBe(1);
    expect(markdownTable(['a', 'bb'], [['ccc', 'd']])).toBe('| a   | bb |\n| --- | -- |\n| ccc | d  |');
  });

  it('parses options with the same steps for every method', () => {
    const a = parseFinetuneArgs(['--steps', '50', '--methods', 'lora,abba', '--lr', 'abba=0.02', '--seeds', '3,4']);
    expect(a).toMatchObject({ steps: 50, warmupSteps: 5, methods: ['lora', 'abba'], seeds: [3, 4] });
    expect(a.lr.abba).toBe(0.02);
    expect(() => parseFinetuneArgs(['--methods', 'dora'])).toThrow(/unknown dora/);
    expect(() => parseFinetuneArgs(['--r', '5'])).toThrow(/even/);
    const b = parseFinetuneArgs(['--scale', 'abba=4', '--abba-init', 'lora', '--sweep-scale', '1,16']);
    expect(b).toMatchObject({ abbaInit: 'lora', sweepScale: [1, 16] });
    expect(b.scale.abba).toBe(4);
    expect(() => parseFinetuneArgs(['--scale', 'full=2'])).toThrow(/no scale/);
    expect(() => parseFinetuneArgs(['--abba-init', 'pissa'])).toThrow(/svd or lora/);
  });

  it('turns the scale s into the alpha of each method, so that every adapter layer has scale s', async () => {
    for (const method of ['lora', 'hira', 'abba', 'lora2r'] as const) {
      const model = new GPT({ ...RECIPE, seed: 0 });
      const { label } = await prepareMethod(model, method, { r: 8, seed: 0, scale: 4 });
      expect(label).toMatch(/ s=4$/);
      for (const [, layer] of adapterLayers(model)) expect(layer.scale).toBe(4);
    }
  });
});

describe('honest protocol: validation split, paired statistics, tuning grid, pinned base', () => {
  it('draws validation pairs disjoint from the test set and from training, the same on every call', () => {
    const key = ([a, b]: readonly [number, number]) => `${a},${b}`;
    const test = new Set(subtractionTestPairs(1000).map(key));
    const val = subtractionValidationPairs(1000);
    expect(val).toHaveLength(1000);
    expect(new Set(val.map(key)).size).toBe(1000);
    for (const p of val) {
      expect(test.has(key(p))).toBe(false);
      expect(isHeldOut(p[0], p[1]) && p[0] >= p[1] && p[1] >= 100).toBe(true); // never sampled for training
    }
    expect(subtractionValidationPairs(1000)).toEqual(val);
    // A shorter test set is a prefix of the longer one, so changing --test-size never moves validation.
    expect(subtractionTestPairs(10)).toEqual(subtractionTestPairs(1000).slice(0, 10));
    expect(() => subtractionTestPairs(1001)).toThrow(/at most 1000/);
    expect(() => parseFinetuneArgs(['--test-size', '1500'])).toThrow(/at most 1000/);
  });

  it('computes the paired t-interval (df = 4: t = 2.776) and reports whether it excludes 0', () => {
    expect(tQuantile975(4)).toBe(2.776);
    expect(tQuantile975(1)).toBe(12.706);
    expect(() => tQuantile975(0)).toThrow(/df/);
    // Differences 1, 2, 3, 4, 5: mean 3, sd sqrt(2.5), half-width 2.776 sqrt(2.5) / sqrt(5).
    const d = pairedDifference([2, 4, 6, 8, 10], [1, 2, 3, 4, 5]);
    const half = (2.776 * Math.sqrt(2.5)) / Math.sqrt(5);
    expect(d.diffs).toEqual([1, 2, 3, 4, 5]);
    expect(d.mean).toBe(3);
    expect(d.sd).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(d.lo).toBeCloseTo(3 - half, 12);
    expect(d.hi).toBeCloseTo(3 + half, 12);
    expect(() => pairedDifference([1], [2])).toThrow(/>= 2/);
    // Pairing: a constant per-seed offset is removed, unlike in an unpaired comparison.
    const p = pairedDifference([0.5, 0.9, 0.1], [0.4, 0.8, 0.0]);
    expect(p.sd).toBeCloseTo(0, 12);
    expect(p.lo).toBeCloseTo(0.1, 12);
  });

  it('prints the paired table with the interval and its verdict', () => {
    const summary = (method: 'lora' | 'abba', label: string, subtraction: number[]) => ({
      method,
      label,
      lr: 0.01,
      seeds: [0, 1, 2],
      trainable: 8192,
      subtraction,
      addition: [0, 0, 0],
      trainSeconds: 1,
      peakTensorBytes: 1,
      peakRssBytes: 1,
      finalLoss: 0.1,
    });
    const t = pairedTable(
      [summary('lora', 'LoRA r=8', [0.9, 0.8, 0.7]), summary('abba', 'ABBA r1=r2=4', [0.91, 0.5, 0.95])],
      [['abba', 'lora']],
    );
    expect(t).toContain('ABBA r1=r2=4 - LoRA r=8');
    expect(t).toContain('no (contains 0)');
    const u = pairedTable(
      [summary('lora', 'LoRA r=8', [0.9, 0.8, 0.7]), summary('abba', 'ABBA r1=r2=4', [0.5, 0.41, 0.29])],
      [['abba', 'lora']],
    );
    expect(u).toContain('yes, first lower');
  });

  it('gives every adapter the same grid around its calibrated scale, and full fine-tuning the lrs only', () => {
    expect(nearestPowerOfTwo(7)).toBe(8);
    expect(nearestPowerOfTwo(0.7)).toBe(0.5);
    const s0 = calibratedScales({ lora: 0.1, hira: 0.012, abba: 0.016, lora2r: 0.17 });
    expect(s0).toEqual({ lora: 1, hira: 8, abba: 8, lora2r: 0.5 });
    const grid = tuneGrid(FT_METHODS, s0);
    const cells = TUNE_LRS.length * TUNE_SCALE_FACTORS.length;
    for (const m of FT_METHODS) {
      const mine = grid.filter((c) => c.method === m);
      expect(mine).toHaveLength(m === 'full' ? TUNE_LRS.length : cells);
      if (m !== 'full')
        expect(new Set(mine.map((c) => (c.scale as number) / s0[m]))).toEqual(new Set(TUNE_SCALE_FACTORS));
    }
  });

  it('selects on validation exact match, ties broken by validation loss, and refuses runs without one', () => {
    const run = (lr: number, accuracy: number, loss: number) =>
      ({ method: 'lora', label: 'LoRA r=8', lr, validation: { accuracy, loss } }) as RunResult;
    const runs = [run(1, 0.9, 0.3), run(2, 0.95, 0.5), run(3, 0.95, 0.2), run(4, 0.5, 0.01)];
    expect(selectBest(runs).get('lora')?.lr).toBe(3);
    expect(() => selectBest([{ ...run(1, 1, 1), validation: undefined }])).toThrow(/no validation/);
  });

  it('pins the committed base checkpoint by its SHA-256 and refuses a changed file', async () => {
    expect(await sha256File(PINNED_BASE)).toBe(PINNED_BASE_SHA256);
    await verifyBase(PINNED_BASE, PINNED_BASE_SHA256);
    const dir = await mkdtemp(join(tmpdir(), 'ft-base-'));
    const changed = join(dir, 'base.safetensors');
    writeFileSync(changed, 'not the base');
    await expect(verifyBase(changed, PINNED_BASE_SHA256)).rejects.toThrow(/SHA-256 .* expected cbe3465a/);
    const a = parseFinetuneArgs([]);
    expect(a.base).toBe(PINNED_BASE);
    expect(a.baseSha256).toBe(PINNED_BASE_SHA256);
    expect(parseFinetuneArgs(['--base', changed]).baseSha256).toBeUndefined();
    expect(parseFinetuneArgs(['--base-sha256', 'none']).baseSha256).toBeUndefined();
  });
});

describe('the demo quotes the experiment', () => {
  it("states the same 5-seed numbers as the README's results", async () => {
    const { readFileSync } = await import('node:fs');
    const { HEADLINE, formatInterval, headlineText } = await import('../finetune/headline.js');
    const here = dirname(fileURLToPath(import.meta.url));
    const readme = readFileSync(join(here, '..', 'finetune', 'README.md'), 'utf8');
    const f = (x: number) => x.toFixed(1);
    expect(Number.isFinite(HEADLINE.difference.mean)).toBe(true);
    expect(readme).toContain(formatInterval());
    expect(readme).toContain(`${f(HEADLINE.abba.mean)} ± ${f(HEADLINE.abba.sd)}`);
    expect(readme).toContain(`${f(HEADLINE.lora.mean)} ± ${f(HEADLINE.lora.sd)}`);
    expect(headlineText()).toContain(`${HEADLINE.seeds} seeds`);
  });
});
