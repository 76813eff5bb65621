/** Safetensors through Blobs and fetch Responses (no file system): round trips and errors. */
import {
  loadSafetensorsFromBlob,
  loadSafetensorsFromResponse,
  parseSafetensorsHeader,
  SafetensorsError,
  safetensorsBlob,
  serializeSafetensors,
} from '@webgrad/nn';
import { tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

const record = () => ({
  w: tensor(
    [
      [1.5, -2],
      [3, 4.25],
    ],
    { dtype: 'float32' },
  ),
  idx: tensor([7, -1, 0], { dtype: 'int32' }),
});

describe('safetensors without a file system', () => {
  it('a Blob holds exactly the serialized bytes, metadata included', async () => {
    const r = record();
    const blob = await safetensorsBlob(r, { step: '3' });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    expect(bytes).toEqual(await serializeSafetensors(r, { step: '3' }));
    expect(parseSafetensorsHeader(bytes).metadata).toEqual({ step: '3' });
  });

  it('round-trips through a Blob and through a fetch Response', async () => {
    const blob = await safetensorsBlob(record());
    for (const back of [await loadSafetensorsFromBlob(blob), await loadSafetensorsFromResponse(new Response(blob))]) {
      expect(Object.keys(back).sort()).toEqual(['idx', 'w']);
      expect(back.w?.dtype).toBe('float32');
      expect(await back.w?.array()).toEqual([
        [1.5, -2],
        [3, 4.25],
      ]);
      expect(back.idx?.dtype).toBe('int32');
      expect(await back.idx?.array()).toEqual([7, -1, 0]);
    }
  });

  it('an HTTP error status is reported with its URL instead of parsing the error page', async () => {
    const notFound = {
      ok: false,
      status: 404,
      url: 'http://127.0.0.1/missing.safetensors',
      arrayBuffer: async () => new ArrayBuffer(0),
    };
    await expect(loadSafetensorsFromResponse(notFound)).rejects.toThrow(SafetensorsError);
    await expect(loadSafetensorsFromResponse(notFound)).rejects.toThrow(/missing\.safetensors: HTTP status 404/);
  });

  it('a truncated Blob fails validation naming its source', async () => {
    const bytes = new Uint8Array(await (await safetensorsBlob(record())).arrayBuffer());
    const cut = new Blob([bytes.slice(0, bytes.length - 3)]);
    await expect(loadSafetensorsFromBlob(cut, { source: 'cut.safetensors' })).rejects.toThrow(/cut\.safetensors/);
  });
});
