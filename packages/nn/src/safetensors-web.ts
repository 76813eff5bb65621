/**
 * Safetensors without a file system: Blobs (downloads, IndexedDB, `<input type=file>`) and
 * `fetch` responses. Work in browsers and in Node alike; the format lives in safetensors-format.ts.
 */
import type { Device, Tensor } from '@webgrad/tensor';
import { parseSafetensors, SafetensorsError, serializeSafetensors } from './safetensors-format.js';

/** What `loadSafetensorsFromResponse` needs of a fetch `Response`. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly url?: string;
  /** The body's bytes. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * `record` (and optional string metadata) as a safetensors Blob, e.g. to offer as a download.
 * @example
 *   const blob = await safetensorsBlob(model.stateDict(), { step: '100' });
 *   link.href = URL.createObjectURL(blob);
 */
export async function safetensorsBlob(
  record: Record<string, Tensor>,
  metadata?: Record<string, string>,
): Promise<Blob> {
  const bytes = await serializeSafetensors(record, metadata);
  // Blob wants bytes over a plain ArrayBuffer; serializeSafetensors' own buffer is one, exactly sized.
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
  return new Blob([new Uint8Array(buffer)], { type: 'application/octet-stream' });
}

/**
 * Reads a safetensors Blob (or File) into `{ name: Tensor }` on `device`, validated as by
 * `parseSafetensors`.
 * @example const record = await loadSafetensorsFromBlob(input.files[0]);
 */
export async function loadSafetensorsFromBlob(
  blob: Blob,
  opts: { device?: Device; source?: string } = {},
): Promise<Record<string, Tensor>> {
  const source = opts.source ?? ('name' in blob && typeof blob.name === 'string' ? blob.name : '<blob>');
  return parseSafetensors(new Uint8Array(await blob.arrayBuffer()), { ...opts, source });
}

/**
 * Reads the body of a fetch response as safetensors into `{ name: Tensor }`; an HTTP error
 * status raises a SafetensorsError naming the URL instead of parsing an error page.
 * @example model.loadStateDict(await loadSafetensorsFromResponse(await fetch('model.safetensors')));
 */
export async function loadSafetensorsFromResponse(
  response: ResponseLike,
  opts: { device?: Device } = {},
): Promise<Record<string, Tensor>> {
  const source = response.url || '<response>';
  if (!response.ok) throw new SafetensorsError(`safetensors: ${source}: HTTP status ${response.status}`);
  return parseSafetensors(new Uint8Array(await response.arrayBuffer()), { ...opts, source });
}
