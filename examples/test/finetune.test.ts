import { adapterLayers } from '@webgrad/abba';
import { GPT, Linear } from '@webgrad/nn';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFinetuneArgs } from '../finetune/args.js';
import { evaluateTask, makeTaskBatch } from '../finetune/batch-eval.js';
import { expectedTrainable, FT_METHODS, prepareMethod } from '../finetune/methods.js';
import { formatAccuracy, markdownTable, resultsTable, summarize } from '../finetune/report.js';
import type { RunResult } from '../finetune/run.js';
import {
  ADDITION,
  formatSubtraction,
  SUBTRACTION,
  subtractionSampler,
  subtractionTestPairs,
} from '../finetune/task.js';
import { finetune } from '../finetune/train.js';
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
  it('gives LoRA r=8, HiRA r=8 and ABBA r1=r2=4 the same 8,192 trainable parameters', async () => {
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
    expect(counts).toEqual({ full: 26240, lora: 8192, hira: 8192, abba: 8192 });
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
    for (const method of ['lora', 'hira', 'abba'] as const) {
      const model = new GPT({ ...RECIPE, seed: 0 });
      const { label } = await prepareMethod(model, method, { r: 8, seed: 0, scale: 4 });
      expect(label).toMatch(/ s=4$/);
      for (const [, layer] of adapterLayers(model)) expect(layer.scale).toBe(4);
    }
  });
});
