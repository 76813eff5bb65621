import { join } from 'node:path';
import { f32ToBF16Bits, f32ToF16Bits, loadSafetensors, readSafetensorsMetadata, saveSafetensors } from '@webgrad/nn';
import { randn, tensor } from '@webgrad/tensor';
import { afterAll, expect, it } from 'vitest';
import { cleanup, describeWithPython, readResult, runPython, tempDir } from './python.js';

afterAll(cleanup);

describeWithPython('safetensors with the Python library', () => {
  it('reads every dtype torch writes (F16/BF16 widened exactly, integers to int32)', async () => {
    const dir = tempDir('st-in');
    runPython('safetensors-write', dir);
    const expected = readResult<Record<string, number[]>>(dir);
    const path = join(dir, 'from-python.safetensors');
    const record = await loadSafetensors(path);
    expect(Object.keys(record).sort()).toEqual(Object.keys(expected).sort());
    const loadsAs: Record<string, string> = {
      F64: 'float64',
      I32: 'int32',
      I64: 'int32',
      I16: 'int32',
      I8: 'int32',
      U8: 'int32',
      BOOL: 'bool',
    };
    for (const [name, values] of Object.entries(expected)) {
      const t = record[name];
      expect(t?.dtype, name).toBe(loadsAs[name] ?? 'float32');
      expect(t?.shape, name).toEqual([3, 5]);
      expect(Array.from(t?.dataSync() ?? []), name).toEqual(values);
    }
    expect(await readSafetensorsMetadata(path)).toEqual({ made_by: 'torch' });
  });

  it("torch reads what webgrad writes, and our half rounding is torch's, bit for bit", async () => {
    const dir = tempDir('st-out');
    // Values that exercise rounding: random, ties, subnormals, overflow, zeros, infinities.
    const special = [
      0,
      -0,
      1,
      65504,
      65519,
      65520,
      70000,
      2 ** -24,
      2 ** -25,
      3 * 2 ** -25,
      1 + 2 ** -11,
      1 + 2 ** -8,
      1 + 3 * 2 ** -8,
      3.4e38,
      Number.POSITIVE_INFINITY,
      -1e-8,
    ];
    const x = new Float32Array([...special, ...(randn([200], { seed: 5 }).mul(300).dataSync() as Float32Array)]);
    await saveSafetensors(join(dir, 'reference-f32.safetensors'), { x: tensor(x) });
    const record = {
      f32: randn([2, 3], { seed: 1 }),
      f64: randn([4], { seed: 2, dtype: 'float64' }),
      i32: tensor([[-7, 2147483647]], { dtype: 'int32' }),
      b: tensor([true, false, true], { dtype: 'bool' }),
      h: tensor(x),
      bh: tensor(x),
    };
    await saveSafetensors(
      join(dir, 'from-webgrad.safetensors'),
      record,
      { step: '3' },
      { storeAs: { h: 'F16', bh: 'BF16' } },
    );
    runPython('safetensors-read', dir);
    // biome-ignore lint/suspicious/noExplicitAny: the shape is run.py's safetensors_read.
    const out = readResult<any>(dir);
    expect(out.metadata).toEqual({ step: '3' });
    const dtypes = Object.fromEntries(Object.entries(out.tensors).map(([k, v]) => [k, (v as { dtype: string }).dtype]));
    expect(dtypes).toEqual({ f32: 'F32', f64: 'F64', i32: 'I32', b: 'BOOL', h: 'F16', bh: 'BF16' });
    for (const k of ['f32', 'f64', 'i32'] as const)
      expect(out.tensors[k].values).toEqual(Array.from(record[k].dataSync()));
    expect(out.tensors.b.values).toEqual([1, 0, 1]);
    const signed16 = (b: number) => (b > 0x7fff ? b - 0x10000 : b);
    expect(Array.from(x, (v) => signed16(f32ToF16Bits(v)))).toEqual(out.torch_f16);
    expect(Array.from(x, (v) => signed16(f32ToBF16Bits(v)))).toEqual(out.torch_bf16);
  });
});
