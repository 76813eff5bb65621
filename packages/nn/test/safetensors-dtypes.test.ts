import { f32ToBF16Bits, f32ToF16Bits, parseSafetensors, SafetensorsError, serializeSafetensors } from '@webgrad/nn';
import { tensor } from '@webgrad/tensor';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

/** A one-tensor safetensors file with raw element bytes of file dtype `dtype`. */
function fileOf(dtype: string, shape: number[], data: Uint8Array): Uint8Array {
  let json = JSON.stringify({ t: { dtype, shape, data_offsets: [0, data.length] } });
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(new TextEncoder().encode(json), 8);
  out.set(data, 8 + json.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The float32 value of binary16 bits, computed independently of the loader (via the format's definition). */
function f16Value(bits: number): number {
  const { t } = parseSafetensors(fileOf('F16', [1], bytesOf(new Uint16Array([bits]))));
  return t?.dataSync()[0] ?? Number.NaN;
}

describe('safetensors half precision', () => {
  it('rounds float32 to binary16 to nearest, ties to even (IEEE 754 reference values)', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff], // the largest finite half
      [65519, 0x7bff], // below the midpoint to infinity
      [65520, 0x7c00], // the midpoint rounds to even, which is infinity
      [2 ** -24, 0x0001], // the smallest subnormal
      [2 ** -25, 0x0000], // half a unit: ties to even (0)
      [3 * 2 ** -25, 0x0002], // one and a half units: ties to even (2)
      [2 ** -14, 0x0400], // the smallest normal
      [1 + 2 ** -11, 0x3c00], // a tie between 1 and its successor: even (1)
      [1 + 3 * 2 ** -11, 0x3c02], // a tie between the successor and the next: even
      [Number.POSITIVE_INFINITY, 0x7c00],
      [-0, 0x8000],
    ];
    for (const [x, bits] of cases) expect(f32ToF16Bits(x), `${x}`).toBe(bits);
    expect(f32ToF16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(f32ToF16Bits(Number.NaN) & 0x3ff).not.toBe(0);
  });

  it('rounds float32 to bfloat16 to nearest, ties to even', () => {
    expect(f32ToBF16Bits(1)).toBe(0x3f80);
    expect(f32ToBF16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie: even
    expect(f32ToBF16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie: even
    expect(f32ToBF16Bits(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81); // above the tie
    expect(f32ToBF16Bits(-3.5)).toBe(0xc060);
    expect(f32ToBF16Bits(3.4028234663852886e38)).toBe(0x7f80); // rounds past the largest: infinity
    expect(f32ToBF16Bits(Number.NaN) & 0x7fc0).toBe(0x7fc0);
  });

  it('binary16 encoding is the nearest half: no half lies closer (property)', () => {
    fc.assert(
      fc.property(fc.float({ min: -60000, max: 60000, noNaN: true }), (x) => {
        const bits = f32ToF16Bits(x);
        const v = f16Value(bits);
        // The neighbours in bit order, and the smallest value of the other sign (across zero).
        for (const n of [bits + 1, bits - 1, (bits ^ 0x8000) | 1]) {
          const w = n >= 0 && n <= 0xffff ? f16Value(n) : Number.NaN;
          if (!Number.isNaN(w)) expect(Math.abs(v - x)).toBeLessThanOrEqual(Math.abs(w - x));
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  it('F16 and BF16 files load as float32, exactly', () => {
    const f16 = parseSafetensors(fileOf('F16', [4], bytesOf(new Uint16Array([0x3c00, 0xc000, 0x0001, 0x7c00]))));
    expect(f16.t?.dtype).toBe('float32');
    expect(Array.from(f16.t?.dataSync() ?? [])).toEqual([1, -2, 2 ** -24, Number.POSITIVE_INFINITY]);
    const bf16 = parseSafetensors(fileOf('BF16', [2], bytesOf(new Uint16Array([0x3f80, 0xc060]))));
    expect(Array.from(bf16.t?.dataSync() ?? [])).toEqual([1, -3.5]);
  });

  it('saves float32 as F16 or BF16 on request and reads back the rounded values', async () => {
    const w = tensor([1, 0.1, -65520, 3 * 2 ** -25]);
    const ids = tensor([1, 2], { dtype: 'int32' });
    const all = parseSafetensors(await serializeSafetensors({ w, ids }, undefined, { storeAs: 'F16' }));
    expect(Array.from(all.w?.dataSync() ?? [])).toEqual([1, f16Value(0x2e66), Number.NEGATIVE_INFINITY, 2 ** -23]);
    expect(all.ids?.dtype).toBe('int32'); // a blanket request leaves non-float32 tensors alone
    const one = parseSafetensors(await serializeSafetensors({ w, ids }, undefined, { storeAs: { w: 'BF16' } }));
    expect(one.w?.dataSync()[1]).toBe(new Float32Array(new Uint32Array([0x3dcd0000]).buffer)[0]);
    await expect(serializeSafetensors({ ids }, undefined, { storeAs: { ids: 'F16' } })).rejects.toThrow(
      /'ids' is int32; only float32 tensors can be stored as F16/,
    );
  });
});

describe('safetensors integer widths', () => {
  it('I64, I16, I8 and U8 load as int32', () => {
    const i64 = parseSafetensors(fileOf('I64', [3], bytesOf(new BigInt64Array([-5n, 2147483647n, -2147483648n]))));
    expect(i64.t?.dtype).toBe('int32');
    expect(Array.from(i64.t?.dataSync() ?? [])).toEqual([-5, 2147483647, -2147483648]);
    expect(
      Array.from(parseSafetensors(fileOf('I16', [2], bytesOf(new Int16Array([-300, 7])))).t?.dataSync() ?? []),
    ).toEqual([-300, 7]);
    expect(
      Array.from(parseSafetensors(fileOf('I8', [2], bytesOf(new Int8Array([-128, 5])))).t?.dataSync() ?? []),
    ).toEqual([-128, 5]);
    expect(Array.from(parseSafetensors(fileOf('U8', [2], new Uint8Array([255, 0]))).t?.dataSync() ?? [])).toEqual([
      255, 0,
    ]);
  });

  it('an I64 value outside int32 fails, naming the tensor, the value and the element', () => {
    const bad = fileOf('I64', [2], bytesOf(new BigInt64Array([1n, 2147483648n])));
    expect(() => parseSafetensors(bad, { source: 'ids.safetensors' })).toThrow(SafetensorsError);
    expect(() => parseSafetensors(bad, { source: 'ids.safetensors' })).toThrow(
      "safetensors: ids.safetensors: tensor 't': I64 value 2147483648 at element 1 does not fit in int32",
    );
  });

  it('unknown dtypes are still rejected with the supported list', () => {
    expect(() => parseSafetensors(fileOf('F8_E4M3', [1], new Uint8Array([1])))).toThrow(
      /unsupported dtype "F8_E4M3" \(supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL\)/,
    );
  });
});
