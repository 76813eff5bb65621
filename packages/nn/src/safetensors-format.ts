/**
 * The safetensors format over bytes (https://huggingface.co/docs/safetensors): an 8-byte
 * little-endian u64 header length N, N bytes of JSON
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { key: value } }`
 * (space-padded to 8-byte alignment), then the raw little-endian tensor bytes. Parsing treats the
 * bytes as hostile: every field is validated before any tensor is made.
 */
import { type Device, type DType, type Tensor, TensorError, tensor } from '@webgrad/tensor';
import { duplicateTopLevelKey } from './json-keys.js';
import {
  DEFAULT_FILE_DTYPE,
  encodeHalf,
  FILE_DTYPES,
  type FileDType,
  type HalfDType,
  isFileDType,
} from './safetensors-dtypes.js';

/** A corrupt, truncated or hostile file, or a record that cannot be written (a 'value' TensorError). */
export class SafetensorsError extends TensorError {
  override name = 'SafetensorsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('value', message, options);
  }
}

/** Upper bound on the JSON header (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000;
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One validated header entry. */
export interface HeaderEntry {
  name: string;
  /** The dtype the tensor loads as. */
  dtype: DType;
  /** The element type stored in the file (F16 loads as float32, ...). */
  fileDType: FileDType;
  shape: number[];
  begin: number;
  end: number;
}

/** The header of a safetensors file: each tensor's dtype, shape and byte range, and the metadata. */
export interface ParsedHeader {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file. */
  dataStart: number;
}

function checkName(name: string, where: string): void {
  if (FORBIDDEN.has(name)) throw new SafetensorsError(`${where}: forbidden key '${name}'`);
}

/** Options of `serializeSafetensors`. */
export interface SerializeOptions {
  /**
   * Store float32 tensors in half precision: `'F16'` or `'BF16'` for all of them, or a map from
   * tensor name to either (names not in it stay F32). Rounds to nearest, ties to even.
   */
  storeAs?: HalfDType | Readonly<Record<string, HalfDType>>;
}

/** The half type `name` is stored as under `storeAs`, after checking it applies. */
function halfFor(name: string, t: Tensor, storeAs: SerializeOptions['storeAs']): HalfDType | undefined {
  const half = typeof storeAs === 'string' ? storeAs : storeAs?.[name];
  if (half === undefined) return undefined;
  if (half !== 'F16' && half !== 'BF16')
    throw new SafetensorsError(`safetensors: storeAs for '${name}' must be 'F16' or 'BF16', got ${String(half)}`);
  if (t.dtype !== 'float32') {
    if (typeof storeAs === 'string') return undefined; // a blanket request applies to float32 tensors only
    throw new SafetensorsError(
      `safetensors: '${name}' is ${t.dtype}; only float32 tensors can be stored as ${half} (cast it first)`,
    );
  }
  return half;
}

/**
 * Serializes `record` (tensor names in sorted order) and optional string `metadata` to bytes.
 * @example const bytes = await serializeSafetensors({ w: tensor([1, 2]) }, { step: '10' });
 * @example const half = await serializeSafetensors(model.stateDict(), undefined, { storeAs: 'BF16' });
 */
export async function serializeSafetensors(
  record: Record<string, Tensor>,
  metadata?: Record<string, string>,
  opts: SerializeOptions = {},
): Promise<Uint8Array> {
  if (!LITTLE_ENDIAN) throw new SafetensorsError('safetensors: big-endian hosts are not supported');
  const names = Object.keys(record).sort();
  const header: Record<string, unknown> = Object.create(null);
  if (metadata) {
    const meta: Record<string, string> = Object.create(null);
    for (const [k, v] of Object.entries(metadata)) {
      checkName(k, 'safetensors: metadata');
      if (typeof v !== 'string') throw new SafetensorsError(`safetensors: metadata '${k}' must be a string`);
      meta[k] = v;
    }
    header.__metadata__ = meta;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    checkName(name, 'safetensors');
    if (name === '__metadata__') throw new SafetensorsError("safetensors: '__metadata__' is not a tensor name");
    const t = record[name] as Tensor;
    const half = halfFor(name, t, opts.storeAs);
    const data = await t.data();
    const bytes = half
      ? encodeHalf(data as Float32Array, half)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const dtype = half ?? DEFAULT_FILE_DTYPE[t.dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Validates the header of `bytes` (named `source` in errors) and returns its entries, sorted by
 * offset, and metadata. Throws SafetensorsError on anything malformed.
 */
export function parseSafetensorsHeader(bytes: Uint8Array, source = '<bytes>'): ParsedHeader {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`safetensors: ${source}: ${msg}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, need at least 8 for the header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(n64);
  if (8 + n > bytes.length) fail(`header length ${n} runs past the end of the ${bytes.length}-byte file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text, (key, value) => {
      if (FORBIDDEN.has(key)) throw new SafetensorsError(`forbidden key '${key}'`);
      return value;
    });
  } catch (e) {
    return fail(`header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail('header must be a JSON object');
  const dup = duplicateTopLevelKey(text);
  if (dup !== undefined) fail(`duplicate key '${dup}' in the header`);
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = Object.create(null);
  const entries: HeaderEntry[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ must be an object');
      for (const [k, v] of Object.entries(value as object)) {
        if (typeof v !== 'string') fail(`__metadata__ '${k}' must be a string, got ${typeof v}`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, value, dataLen, (m) => fail(`tensor '${name}': ${m}`)));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin !== at)
      fail(
        `tensor '${e.name}': data_offsets [${e.begin}, ${e.end}] ${e.begin < at ? 'overlap the previous tensor' : `leave a gap at ${at}`}`,
      );
    at = e.end;
  }
  if (at !== dataLen) fail(`tensors cover ${at} of the ${dataLen} data bytes`);
  return { entries, metadata, dataStart };
}

function parseEntry(name: string, value: unknown, dataLen: number, fail: (m: string) => never): HeaderEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('entry must be an object');
  const { dtype, shape, data_offsets: offsets, ...extra } = value as Record<string, unknown>;
  if (Object.keys(extra).length) fail(`unknown fields ${Object.keys(extra).join(', ')}`);
  if (!isFileDType(dtype))
    fail(`unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(FILE_DTYPES).join(', ')})`);
  const kind = FILE_DTYPES[dtype];
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
    fail(`shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
  const dims = shape as number[];
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0))
    fail(`data_offsets ${JSON.stringify(offsets)} must be two non-negative integers`);
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLen)
    fail(`data_offsets [${begin}, ${end}] lie outside the ${dataLen}-byte data section`);
  const size = dims.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(size * kind.bytes) || size * kind.bytes !== end - begin)
    fail(`${end - begin} bytes do not hold shape [${dims.join(', ')}] of ${dtype}`);
  return { name, dtype: kind.dtype, fileDType: dtype, shape: dims, begin, end };
}

/**
 * Parses safetensors `bytes` into `{ name: Tensor }` on `device` (default: the default device).
 * Everything is validated first; if making a tensor still fails, those already made are freed.
 * Metadata: `parseSafetensorsHeader(bytes).metadata`.
 * @example const record = parseSafetensors(await readFile('model.safetensors'));
 */
export function parseSafetensors(
  bytes: Uint8Array,
  opts: { device?: Device; source?: string } = {},
): Record<string, Tensor> {
  if (!LITTLE_ENDIAN) throw new SafetensorsError('safetensors: big-endian hosts are not supported');
  const source = opts.source ?? '<bytes>';
  const { entries, dataStart } = parseSafetensorsHeader(bytes, source);
  const arrays = entries.map((e) => {
    // slice() copies into a fresh, aligned buffer (offsets in the file need not be aligned).
    const raw = bytes.slice(dataStart + e.begin, dataStart + e.end).buffer;
    const data = FILE_DTYPES[e.fileDType].decode(raw);
    if (typeof data === 'string') throw new SafetensorsError(`safetensors: ${source}: tensor '${e.name}': ${data}`);
    return data;
  });
  const out: Record<string, Tensor> = Object.create(null);
  try {
    entries.forEach((e, i) => {
      out[e.name] = tensor(arrays[i] as Uint8Array, { dtype: e.dtype, device: opts.device, shape: e.shape });
    });
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  return out;
}
