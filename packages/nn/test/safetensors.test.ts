import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadSafetensors,
  parseSafetensors,
  parseSafetensorsHeader,
  readSafetensorsMetadata,
  SafetensorsError,
  saveSafetensors,
  serializeSafetensors,
} from '@webgrad/nn';
import { memory, type Tensor, tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';

const dir = await mkdtemp(join(tmpdir(), 'webgrad-st-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A file from a header object and a data section, laid out exactly as the format says. */
function build(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (n: number) => ({ dtype: 'F32', shape: [n], data_offsets: [0, 4 * n] });

function sample(): Record<string, Tensor> {
  return {
    f32: tensor(new Float32Array([1.5, -0, Number.NaN, 3.4e38, 1e-45, Number.POSITIVE_INFINITY]), { shape: [2, 3] }),
    f64: tensor(new Float64Array([Math.PI, -Number.MIN_VALUE, 1e308]), { dtype: 'float64' }),
    i32: tensor(new Int32Array([-2147483648, 2147483647, 0, 7]), { shape: [2, 2, 1] }),
    bool: tensor([true, false, true]),
    scalar: tensor(new Float32Array([42]), { shape: [] }),
    empty: tensor(new Float32Array(0), { shape: [0, 3] }),
  };
}

const bits = (t: Tensor) => {
  const d = t.dataSync();
  return Array.from(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
};

describe('safetensors round trip', () => {
  it('is bit-exact for every dtype, shape and metadata, in memory and on disk', async () => {
    const rec = sample();
    const bytes = await serializeSafetensors(rec, { step: '3', note: 'héllo' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0); // header padded to 8-byte alignment
    const path = join(dir, 'rt.safetensors');
    await saveSafetensors(path, rec, { step: '3', note: 'héllo' });
    expect(new Uint8Array(await readFile(path))).toEqual(bytes);
    for (const back of [parseSafetensors(bytes), await loadSafetensors(path)]) {
      expect(Object.keys(back).sort()).toEqual(Object.keys(rec).sort());
      for (const [k, t] of Object.entries(rec)) {
        const b = back[k] as Tensor;
        expect([b.dtype, b.shape]).toEqual([t.dtype, t.shape]);
        expect(bits(b)).toEqual(bits(t));
      }
    }
    expect({ ...(await readSafetensorsMetadata(path)) }).toEqual({ step: '3', note: 'héllo' });
    expect(await readdir(dir)).toEqual(['rt.safetensors']); // no temp file left behind
  });

  it('reads a file written by hand to the spec (unaligned offsets, reverse order)', () => {
    const data = new Uint8Array(4 + 1);
    data[0] = 1; // BOOL [1] at 0..1
    new DataView(data.buffer).setInt32(1, -5, true); // I32 [1] at 1..5
    const file = build(
      {
        b: { dtype: 'I32', shape: [1], data_offsets: [1, 5] },
        a: { dtype: 'BOOL', shape: [1], data_offsets: [0, 1] },
      },
      data,
    );
    const r = parseSafetensors(file);
    expect(r.b?.dataSync()[0]).toBe(-5);
    expect(r.a?.arraySync()).toEqual([true]);
  });
});

describe('safetensors rejects bad files with clear errors', () => {
  const ok = new Uint8Array(new Float32Array([1, 2]).buffer);
  const cases: [string, Uint8Array, RegExp][] = [
    ['too short for the length', new Uint8Array(5), /truncated/],
    [
      'huge header length',
      (() => {
        const b = build({});
        new DataView(b.buffer).setBigUint64(0, 2n ** 62n, true);
        return b;
      })(),
      /exceeds/,
    ],
    [
      'header past the end',
      (() => {
        const b = build({});
        new DataView(b.buffer).setBigUint64(0, 1000n, true);
        return b;
      })(),
      /past the end/,
    ],
    ['not JSON', build(null, ok, '{"a": '), /not valid JSON/],
    [
      'not UTF-8',
      build(null, new Uint8Array(0), '{}\xff'.replace('\xff', '')).map((v, i, a) => (i === a.length - 1 ? 0xff : v)),
      /UTF-8|JSON/,
    ],
    ['array header', build([1]), /must be a JSON object/],
    ['__proto__ key', build(null, ok, `{"__proto__": ${JSON.stringify(f32(2))}}`), /forbidden key '__proto__'/],
    ['constructor key', build({ constructor: f32(2) }, ok), /forbidden key 'constructor'/],
    ['nested prototype key', build({ a: { ...f32(2), prototype: 1 } }, ok), /forbidden key 'prototype'/],
    ['bad dtype', build({ w: { ...f32(2), dtype: 'F8_E5M2' } }, ok), /tensor 'w': unsupported dtype "F8_E5M2"/],
    ['negative shape', build({ w: { ...f32(2), shape: [-2] } }, ok), /tensor 'w': shape/],
    ['fractional shape', build({ w: { ...f32(2), shape: [1.5] } }, ok), /tensor 'w': shape/],
    ['wrong byte length', build({ w: { ...f32(2), shape: [3] } }, ok), /tensor 'w': 8 bytes do not hold shape \[3\]/],
    [
      'offsets past the end',
      build({ w: { ...f32(2), data_offsets: [0, 12] } }, ok),
      /tensor 'w': data_offsets \[0, 12\] lie outside/,
    ],
    ['reversed offsets', build({ w: { ...f32(0), data_offsets: [8, 0] } }, ok), /tensor 'w': data_offsets/],
    ['overlapping offsets', build({ a: f32(2), b: f32(2) }, ok), /overlap/],
    ['a gap in the data', build({ a: { ...f32(1), data_offsets: [4, 8] } }, ok), /gap/],
    [
      'duplicate key',
      build(null, ok, `{"w": ${JSON.stringify(f32(1))}, "w": ${JSON.stringify({ ...f32(1), data_offsets: [4, 8] })}}`),
      /duplicate key 'w' in the header/,
    ],
    ['trailing bytes', build({ a: f32(1) }, ok), /cover 4 of the 8 data bytes/],
    ['unknown field', build({ a: { ...f32(2), extra: 1 } }, ok), /unknown fields extra/],
    ['metadata not strings', build({ __metadata__: { a: 1 } }), /__metadata__ 'a' must be a string/],
    [
      'BOOL not 0/1',
      build({ b: { dtype: 'BOOL', shape: [1], data_offsets: [0, 1] } }, new Uint8Array([7])),
      /BOOL bytes/,
    ],
  ];
  for (const [name, bytes, pattern] of cases) {
    it(name, () => {
      const before = memory().cpu?.tensors ?? 0;
      expect(() => parseSafetensors(bytes, { source: 'bad.safetensors' })).toThrowError(SafetensorsError);
      expect(() => parseSafetensors(bytes, { source: 'bad.safetensors' })).toThrowError(pattern);
      expect(() => parseSafetensors(bytes, { source: 'bad.safetensors' })).toThrowError(/bad\.safetensors/);
      expect(memory().cpu?.tensors ?? 0).toBe(before); // nothing half-loaded
    });
  }

  it('does not pollute Object.prototype', () => {
    expect(() => parseSafetensors(build(null, new Uint8Array(0), '{"__proto__": {"polluted": "1"}}'))).toThrow();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('names the file when loading a truncated checkpoint from disk', async () => {
    const path = join(dir, 'trunc.safetensors');
    const bytes = await serializeSafetensors({ w: tensor([1, 2, 3]) });
    await writeFile(path, bytes.subarray(0, bytes.length - 2));
    await expect(loadSafetensors(path)).rejects.toThrowError(/trunc\.safetensors: tensor 'w'/);
    await rm(path);
  });

  it('fuzz: mutated headers and lengths never crash with anything but a SafetensorsError', async () => {
    const good = await serializeSafetensors({
      a: tensor([1, 2]),
      b: tensor([true]),
      c: tensor([[1, 2]], { dtype: 'int32' }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(good.length + 8), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.nat(good.length),
        (edits, cut) => {
          const b = good.slice(0, Math.max(cut, 8));
          for (const [at, v] of edits) if (at < b.length) b[at] = v;
          try {
            const r = parseSafetensors(b);
            for (const t of Object.values(r)) t.dispose();
          } catch (e) {
            expect(e).toBeInstanceOf(SafetensorsError);
          }
        },
      ),
      { numRuns: 300, seed: 7 },
    );
    // Structured garbage in the JSON itself.
    fc.assert(
      fc.property(fc.json(), fc.uint8Array({ maxLength: 16 }), (json, data) => {
        try {
          parseSafetensorsHeader(build(null, data, json));
        } catch (e) {
          expect(e).toBeInstanceOf(SafetensorsError);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
