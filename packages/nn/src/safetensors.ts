/** Safetensors checkpoints on disk: atomic writes, validated reads. Format: safetensors-format.ts. */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Device, Tensor } from '@webgrad/tensor';
import { parseSafetensors, parseSafetensorsHeader, serializeSafetensors } from './safetensors-format.js';

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
): Promise<void> {
  const bytes = await serializeSafetensors(record, metadata);
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dirname(path));
}

/** Makes the rename durable; some platforms cannot fsync a directory, which is harmless here. */
async function syncDir(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // best effort
  }
}

/**
 * Reads a safetensors file into `{ name: Tensor }` on `device`. The file is fully validated
 * first (SafetensorsError naming the file and tensor); nothing is half-loaded. Metadata is read
 * separately with `readSafetensorsMetadata(path)`.
 * @example model.loadStateDict(await loadSafetensors('ckpt.safetensors'));
 */
export async function loadSafetensors(path: string, opts: { device?: Device } = {}): Promise<Record<string, Tensor>> {
  return parseSafetensors(await readBytes(path), { ...opts, source: path });
}

/**
 * The `__metadata__` string map of a safetensors file (empty if it has none); the header is validated.
 * @example (await readSafetensorsMetadata('ckpt.safetensors')).step // '100'
 */
export async function readSafetensorsMetadata(path: string): Promise<Record<string, string>> {
  return parseSafetensorsHeader(await readBytes(path), path).metadata;
}

async function readBytes(path: string): Promise<Uint8Array> {
  const b = await readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
