import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noGrad } from '@webgrad/autograd';
import { GPT } from '@webgrad/nn';
import { destroyWebGPU, initWebGPU, TensorError } from '@webgrad/tensor';
import * as fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { linePlotSvg, ticks } from '../lib/plot-svg.js';
import { formatDuration, ProgressBar } from '../lib/progress-bar.js';
import { DEFAULTS, parseArithArgs } from '../tiny-transformer/args.js';
import { CONTEXT_LEN, IGNORE, makeBatch } from '../tiny-transformer/batch.js';
import { loadCheckpoint, saveCheckpoint } from '../tiny-transformer/checkpoint.js';
import {
  DEFAULT_SPLIT,
  formatAnswer,
  formatExample,
  isHeldOut,
  PROMPT_LEN,
  parseAnswer,
  SEQ_LEN,
  testPairs,
  trainSampler,
} from '../tiny-transformer/data.js';
import { evaluate } from '../tiny-transformer/evaluate.js';
import { ARITH_VOCAB, CharTokenizer } from '../tiny-transformer/tokenizer.js';
import { train } from '../tiny-transformer/train.js';

const operand = fc.integer({ min: 0, max: 999 });

describe('arithmetic data', () => {
  it('writes fixed-width examples with the sum reversed', () => {
    expect(formatExample(357, 68)).toBe('357+068=5240');
    expect(formatExample(999, 999)).toBe('999+999=8991');
    expect(formatExample(0, 0)).toBe('000+000=0000');
    fc.assert(
      fc.property(operand, operand, (a, b) => {
        const s = formatExample(a, b);
        expect(s).toHaveLength(SEQ_LEN);
        expect(s.slice(0, PROMPT_LEN)).toBe(`${String(a).padStart(3, '0')}+${String(b).padStart(3, '0')}=`);
        expect([...s.slice(PROMPT_LEN)].reverse().join('')).toBe(String(a + b).padStart(4, '0'));
        expect(parseAnswer(s.slice(PROMPT_LEN))).toBe(a + b);
      }),
    );
    expect(parseAnswer('12')).toBeNaN();
    expect(parseAnswer('1+23')).toBeNaN();
    expect(formatAnswer(425)).toBe('5240');
    expect(() => formatExample(1000, 1)).toThrow(/operands/);
  });

  it('holds out about 1% of pairs, and the test set is held-out, 3-digit, distinct and fixed', () => {
    let held = 0;
    for (let a = 0; a < 1000; a += 3) for (let b = 0; b < 1000; b += 7) held += isHeldOut(a, b) ? 1 : 0;
    const frac = held / (334 * 143);
    expect(frac).toBeGreaterThan(0.007);
    expect(frac).toBeLessThan(0.013);
    const test = testPairs(500);
    expect(test).toEqual(testPairs(500));
    expect(new Set(test.map(([a, b]) => a * 1000 + b)).size).toBe(500);
    for (const [a, b] of test) {
      expect(isHeldOut(a, b)).toBe(true);
      expect(Math.min(a, b)).toBeGreaterThanOrEqual(100);
    }
    // Another split seed gives another test set.
    expect(testPairs(50, { ...DEFAULT_SPLIT, seed: 7 })).not.toEqual(testPairs(50));
  });

  it('never trains on a held-out pair', () => {
    const next = trainSampler(3);
    const test = new Set(testPairs(1000).map(([a, b]) => a * 1000 + b));
    const seen = new Set<number>();
    let leaks = 0; // without the rejection about 1% of draws (~500) would be held-out pairs
    for (let i = 0; i < 50_000; i++) {
      const [a, b] = next();
      if (isHeldOut(a, b) || test.has(a * 1000 + b)) leaks++;
      seen.add(a * 1000 + b);
    }
    expect(leaks).toBe(0);
    expect(seen.size).toBeGreaterThan(45_000); // it really samples widely (not a short cycle)
  });
});

describe('CharTokenizer', () => {
  const tok = new CharTokenizer();

  it('round-trips any string over its vocab and rejects other characters', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...ARITH_VOCAB)), (chars) => {
        const s = chars.join('');
        const ids = tok.encode(s);
        expect(ids.every((i) => i >= 0 && i < tok.vocabSize)).toBe(true);
        expect(tok.decode(ids)).toBe(s);
      }),
    );
    expect(tok.vocabSize).toBe(13);
    expect(() => tok.encode('1*2')).toThrow(/'\*'/);
    expect(() => tok.decode([13])).toThrow(/outside/);
    expect(CharTokenizer.fromJSON(tok.toJSON()).vocab).toBe(ARITH_VOCAB);
    expect(() => new CharTokenizer('00')).toThrow(/repeats/);
  });

  it('batches inputs with targets on the answer tokens only', async () => {
    const { x, y } = makeBatch([[357, 68]], tok);
    expect(x.shape).toEqual([1, CONTEXT_LEN]);
    expect(tok.decode(await x.data())).toBe('357+068=524');
    const ys = Array.from(await y.data());
    expect(ys.slice(0, PROMPT_LEN - 1)).toEqual(Array(PROMPT_LEN - 1).fill(IGNORE));
    expect(tok.decode(ys.slice(PROMPT_LEN - 1))).toBe('5240');
  });
});

describe('train-arith smoke run', () => {
  it('loss decreases, and the checkpoint reloads to identical logits and accuracy', async () => {
    const tok = new CharTokenizer();
    const config = {
      vocabSize: tok.vocabSize,
      blockSize: CONTEXT_LEN,
      nLayer: 1,
      nHead: 2,
      nEmbd: 16,
      gelu: 'tanh' as const,
      seed: 1,
    };
    const model = new GPT(config);
    expect(model.blocks[0]?.mlp.approximate).toBe('tanh'); // GPTConfig.gelu reaches the MLPs
    const opts = {
      steps: 40,
      batchSize: 32,
      lr: 1e-2,
      minLr: 1e-3,
      warmupSteps: 5,
      weightDecay: 0.1,
      gradClip: 1,
      seed: 2,
    };
    const steps: number[] = [];
    const losses = await train(model, tok, opts, ({ step }) => {
      steps.push(step);
    });
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean(losses.slice(-5))).toBeLessThan(0.85 * mean(losses.slice(0, 5)));

    const dir = await mkdtemp(join(tmpdir(), 'tiny-transformer-'));
    try {
      const path = join(dir, 'model.safetensors');
      await saveCheckpoint(path, model, { config, tokenizer: tok, extra: { accuracy: 0.5 } });
      const loaded = await loadCheckpoint(path);
      expect(loaded.metadata.accuracy).toBe('0.5');
      expect(loaded.tokenizer.vocab).toBe(tok.vocab);
      expect(loaded.model.config.nEmbd).toBe(16);
      expect(loaded.model.blocks[0]?.mlp.approximate).toBe('tanh');
      const { x } = makeBatch(testPairs(8), tok);
      const [a, b] = noGrad(() => [model.forward(x), loaded.model.forward(x)]);
      expect(Array.from(await (b as typeof a).data())).toEqual(Array.from(await (a as typeof a).data()));
      const pairs = testPairs(64);
      const r1 = await evaluate(model, tok, pairs);
      const r2 = await evaluate(loaded.model, loaded.tokenizer, pairs, { batchSize: 20 });
      expect(r2).toEqual(r1);
      expect(r1.total).toBe(64);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('parses options with the documented defaults and rejects bad ones', () => {
    expect(parseArithArgs([])).toEqual(DEFAULTS);
    const a = parseArithArgs(['--steps', '7', '--device', 'webgpu', '--lr', '0.5', '--gelu', 'none']);
    expect([a.steps, a.device, a.lr, a.gelu]).toEqual([7, 'webgpu', 0.5, 'none']);
    expect(() => parseArithArgs(['--steps', '1.5'])).toThrow(/integer/);
    expect(() => parseArithArgs(['--device', 'tpu'])).toThrow(/cpu or webgpu/);
    expect(() => parseArithArgs(['--eval-only'])).toThrow(/--checkpoint/);
    expect(() => parseArithArgs(['--bogus'])).toThrow();
  });
});

describe('examples/lib helpers', () => {
  it('plots a polyline per series with labelled axes', async () => {
    const svg = linePlotSvg(
      [
        {
          name: 'loss',
          points: [
            [1, 2.3],
            [2, 1.0],
            [3, 0.1],
          ],
        },
        {
          name: 'avg',
          points: [
            [1, 2.0],
            [3, Number.NaN],
          ],
        },
      ],
      { title: 'a < b', xLabel: 'step', yLabel: 'loss', logY: true },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('a &lt; b');
    expect(svg).toContain('>step</text>');
    const first = /points="([^"]*)"/.exec(svg)?.[1]?.split(' ') ?? [];
    expect(first).toHaveLength(3);
    // Falling loss: each point sits lower (larger SVG y) than the one before.
    const ys = first.map((p) => Number(p.split(',')[1]));
    expect(ys[1]).toBeGreaterThan(ys[0] as number);
    expect(ys[2]).toBeGreaterThan(ys[1] as number);
    expect(() => linePlotSvg([{ name: 'x', points: [] }])).toThrow(/no finite/);
    expect(ticks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks(3, 97)).toEqual([20, 40, 60, 80]);
  });

  it('draws a progress line with an ETA, redrawn in place', () => {
    let out = '';
    const bar = new ProgressBar(10, { write: (s: string) => (out += s), isTTY: true }, 0);
    expect(bar.line(5, 'loss 1.0', 10)).toBe('[##########..........] 5/10 loss 1.0 | ETA 10s');
    bar.update(1, 'a');
    bar.update(10, 'b');
    bar.done();
    expect(out.split('\r')).toHaveLength(3);
    expect(out.endsWith('\n')).toBe(true);
    expect(formatDuration(83)).toBe('1m23s');
    expect(formatDuration(3725)).toBe('1h02m');
  });

  it('prints one plain line per tenth of the run when the stream is not a terminal', () => {
    let out = '';
    const bar = new ProgressBar(100, { write: (s: string) => (out += s) }, 0);
    for (let i = 1; i <= 100; i++) bar.update(i, `step ${i}`);
    bar.done();
    const lines = out.split('\n').filter(Boolean);
    expect(out).not.toContain('\r');
    expect(lines).toHaveLength(10);
    expect(lines[9]).toContain('100/100 step 100');
  });
});

// The checkpoint is plain safetensors: an 8-byte header length, then JSON with __metadata__.
it('checkpoint bytes start with a safetensors header', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tiny-transformer-'));
  try {
    const tok = new CharTokenizer();
    const config = { vocabSize: 12, blockSize: CONTEXT_LEN, nLayer: 1, nHead: 1, nEmbd: 8, seed: 0 };
    const path = join(dir, 'm.safetensors');
    await saveCheckpoint(path, new GPT(config), { config, tokenizer: tok });
    const bytes = await readFile(path);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(header.__metadata__.format).toBe('webgrad-gpt');
    expect(JSON.parse(header.__metadata__.config).nLayer).toBe(1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// WebGPU, as the `webgpu` project's setup does it: without an adapter the block skips, except in
// CI (CI=true), where a missing driver fails loudly.
const gpuSkip = await initWebGPU().then(
  () => undefined,
  (e: unknown) => {
    if (process.env.CI === 'true' || !(e instanceof TensorError)) throw e;
    return e.message;
  },
);
afterAll(() => destroyWebGPU());

describe.skipIf(gpuSkip !== undefined)('train-arith on webgpu', () => {
  it('a few steps give the CPU losses, and evaluation runs on the device', async () => {
    const tok = new CharTokenizer();
    const config = { vocabSize: tok.vocabSize, blockSize: CONTEXT_LEN, nLayer: 1, nHead: 2, nEmbd: 16, seed: 5 };
    const opts = {
      steps: 4,
      batchSize: 16,
      lr: 1e-2,
      minLr: 1e-3,
      warmupSteps: 1,
      weightDecay: 0.1,
      gradClip: 1,
      seed: 6,
    };
    const cpu = await train(new GPT(config), tok, opts);
    const model = new GPT({ ...config, device: 'webgpu' });
    const gpu = await train(model, tok, opts);
    for (const [i, l] of gpu.entries()) expect(l).toBeCloseTo(cpu[i] as number, 4);
    const r = await evaluate(model, tok, testPairs(32));
    expect(r.total).toBe(32);
  });
});
