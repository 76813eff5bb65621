/**
 * Safetensors checkpoints on disk (Node): atomic writes, validated reads. Format:
 * safetensors-format.ts; in a browser use the byte-level API there or safetensors-web.ts.
 */
import { type Device, platform, type Tensor } from '@webgrad/tensor';
import {
  parseSafetensors,
  parseSafetensorsHeader,
  type SerializeOptions,
  serializeSafetensors,
} from './safetensors-format.js';

/**
 * Writes `record` (and optional string metadata) to `path` atomically: a temp file in the same
 * directory is written, fsynced and renamed over `path`, so readers see the old file or the new
 * one, never a partial write.
 * @example await saveSafetensors('ckpt.safetensors', model.stateDict(), { step: '100' });
 */
export async function saveSafetensors(
  path: string,
  record: Record<string, Tensor>,
  metadata?: Record<string, string>,
  opts: SerializeOptions = {},
): Promise<void> {
  const bytes = await serializeSafetensors(record, metadata, opts);
  await platform.writeFileAtomic(path, bytes);
}

/**
 * Reads a safetensors file into `{ name: Tensor }` on `device`. The file is fully validated
 * first (SafetensorsError naming the file and tensor); nothing is half-loaded. Metadata is read
 * separately with `readSafetensorsMetadata(path)`.
 * @example model.loadStateDict(await loadSafetensors('ckpt.safetensors'));
 */
export async function loadSafetensors(path: string, opts: { device?: Device } = {}): Promise<Record<string, Tensor>> {
  return parseSafetensors(await platform.readFile(path), { ...opts, source: path });
}

/**
 * The `__metadata__` string map of a safetensors file (empty if it has none); the header is validated.
 * @example (await readSafetensorsMetadata('ckpt.safetensors')).step // '100'
 */
export async function readSafetensorsMetadata(path: string): Promise<Record<string, string>> {
  return parseSafetensorsHeader(await platform.readFile(path), path).metadata;
}
