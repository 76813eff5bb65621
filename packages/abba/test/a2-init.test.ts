/**
 * ABBA's A2 initialisation: the authors' kaiming_uniform_(a = 0), U(±sqrt(6 / n)), by default, and
 * PEFT's a = sqrt(5), U(±1 / sqrt(n)), on request; LoRA keeps PEFT's.
 */
import { Linear, Module } from '@webgrad/nn';
import { describe, expect, it } from 'vitest';
import { ABBALinear, applyAdapter, LoRALinear, resolveConfig } from '../src/index.js';

async function maxAbs(t: { data(): Promise<ArrayLike<number>> }): Promise<number> {
  return Math.max(...Array.from(await t.data(), Math.abs));
}

describe('ABBA A2 init', () => {
  const n = 96;
  it("defaults to the authors' U(±sqrt(6/n)) and fills most of that range", async () => {
    const layer = new ABBALinear(new Linear(n, 40, { seed: 0 }), { r1: 4, r2: 8, seed: 1 });
    const bound = Math.sqrt(6 / n);
    const m = await maxAbs(layer.loraA2);
    expect(m).toBeLessThanOrEqual(bound);
    // 768 uniform draws: the largest is within 2% of the bound with overwhelming probability.
    expect(m).toBeGreaterThan(0.98 * bound);
  });

  it("'peft' gives U(±1/sqrt(n)), sqrt(6) narrower, and the same draws scaled", async () => {
    const base = new Linear(n, 40, { seed: 0 });
    const authors = new ABBALinear(base, { r1: 4, r2: 8, seed: 1 });
    const peft = new ABBALinear(base, { r1: 4, r2: 8, seed: 1, a2Init: 'peft' });
    const m = await maxAbs(peft.loraA2);
    expect(m).toBeLessThanOrEqual(1 / Math.sqrt(n));
    expect(m).toBeGreaterThan(0.98 / Math.sqrt(n));
    const [a, p] = [await authors.loraA2.data(), await peft.loraA2.data()];
    for (let i = 0; i < a.length; i++) expect(a[i] as number).toBeCloseTo((p[i] as number) * Math.sqrt(6), 5);
  });

  it('applyAdapter passes a2Init through; LoRA keeps a = sqrt(5); bad values are rejected', async () => {
    class Net extends Module {
      fc = new Linear(n, 40, { seed: 0 });
    }
    const [authors, peft] = [new Net(), new Net()];
    await applyAdapter(authors, { method: 'abba', targetModules: 'fc', r: 8, seed: 3 });
    await applyAdapter(peft, { method: 'abba', targetModules: 'fc', r: 8, seed: 3, a2Init: 'peft' });
    const a2 = (net: Net) => (net.fc as unknown as ABBALinear).loraA2;
    expect(await maxAbs(a2(authors))).toBeGreaterThan(1.5 / Math.sqrt(n));
    expect(await maxAbs(a2(peft))).toBeLessThanOrEqual(1 / Math.sqrt(n));
    expect(resolveConfig({ method: 'abba', targetModules: 'x', r: 8 }).a2Init).toBe('authors');
    expect(() => resolveConfig({ method: 'abba', targetModules: 'x', r: 8, a2Init: 'x' as 'peft' })).toThrow(/a2Init/);
    const lora = new LoRALinear(new Linear(n, 40, { seed: 0 }), { r: 8, seed: 2 });
    expect(await maxAbs(lora.loraA)).toBeLessThanOrEqual(1 / Math.sqrt(n));
  });
});
