/**
 * Tensors as text, NumPy-style: `String(t)`, `console.log(t)` and `await t.print()`.
 *
 *   Tensor([[ 1.5000, -2.0000],
 *           [ 3.2500,  4.0000]], shape=[2, 2], dtype=float32, device=cpu)
 *
 * The values are those of the view (its shape, strides and offset), never the rest of the base
 * buffer. Past THRESHOLD elements each axis longer than 2 * EDGE_ITEMS shows its first and last
 * EDGE_ITEMS entries around `...` (NumPy's defaults), and only those elements are read. WebGPU
 * values cannot be read synchronously, so String(t) of a WebGPU tensor says how to see them.
 */
import { tensor } from './creation.js';
import type { DType, TypedArray } from './dtype.js';
import { fmtShape } from './errors.js';
import { tidy } from './memory.js';
import type { Tensor } from './tensor.js';

/** Past this many elements the output is summarised (NumPy's `threshold`). */
const THRESHOLD = 1000;
/** Entries kept at each end of a summarised axis (NumPy's `edgeitems`). */
const EDGE_ITEMS = 3;
/** Rows of the last axis wrap to stay within this many characters (NumPy's `linewidth`). */
const LINE_WIDTH = 75;
const PREFIX = 'Tensor(';

/** The one-line description used in error messages: `Tensor(shape=[2, 3], dtype=float32, device=cpu)`. */
export function describeTensor(t: Tensor): string {
  return `${PREFIX}shape=${fmtShape(t.shape)}, dtype=${t.dtype}, ${t.isDisposed ? 'disposed' : `device=${t.device}`})`;
}

/** Per axis, the indices shown: all of them, or the first and last EDGE_ITEMS when summarising. */
function shownIndices(shape: readonly number[], summarise: boolean): number[][] {
  return shape.map((n) => {
    if (!summarise || n <= 2 * EDGE_ITEMS) return Array.from({ length: n }, (_, i) => i);
    const head = Array.from({ length: EDGE_ITEMS }, (_, i) => i);
    return [...head, ...head.map((i) => n - EDGE_ITEMS + i)];
  });
}

/** The storage offset of every combination of shown indices, in row-major order. */
function shownOffsets(t: Tensor, shown: readonly number[][]): number[] {
  let offsets = [t.offset];
  shown.forEach((idx, axis) => {
    const stride = t.strides[axis] as number;
    offsets = offsets.flatMap((o) => idx.map((i) => o + i * stride));
  });
  return offsets;
}

/** The synchronous text of `t`: values on the CPU, a pointer to `print()` elsewhere. */
export function formatTensor(t: Tensor): string {
  if (t.isDisposed) return describeTensor(t);
  const { storage } = t;
  const readSync = storage.backend.readSync?.bind(storage.backend);
  if (!readSync) {
    return `${PREFIX}shape=${fmtShape(t.shape)}, dtype=${t.dtype}, device=${t.device}; values not read: await t.print() or await t.array())`;
  }
  const summarise = t.size > THRESHOLD;
  const shown = shownIndices(t.shape, summarise);
  let values: ArrayLike<number>;
  if (!summarise && t.isContiguous) values = readSync(storage.handle, storage.dtype, t.size, t.offset);
  else values = shownOffsets(t, shown).map((o) => readSync(storage.handle, storage.dtype, 1, o)[0] as number);
  return render(t, shown, values);
}

/** The text of `t` on any device, reading only the shown elements (used by `print()`). */
export async function formatTensorAsync(t: Tensor): Promise<string> {
  if (t.isDisposed) return describeTensor(t);
  if (t.size <= THRESHOLD) return render(t, shownIndices(t.shape, false), await t.data());
  const shown = shownIndices(t.shape, true);
  // Gather the corners on the device (a few hundred elements at most), then read them at once.
  const corners = tidy(() =>
    shown.reduce<Tensor>((acc, idx, axis) => acc.take(tensor(idx, { dtype: 'int32', device: t.device }), axis), t),
  );
  try {
    return render(t, shown, await corners.data());
  } finally {
    corners.dispose();
  }
}

function render(t: Tensor, shown: readonly number[][], values: ArrayLike<number>): string {
  const cells = formatCells(t.dtype, values);
  const width = Math.max(0, ...cells.map((c) => c.length));
  const pad = (s: string) => s.padStart(width);
  const strides: number[] = [];
  let acc = 1;
  for (let a = shown.length - 1; a >= 0; a--) {
    strides[a] = acc;
    acc *= (shown[a] as number[]).length;
  }
  const ndim = shown.length;
  const block = (axis: number, base: number, indent: string): string => {
    if (axis === ndim) return pad(cells[base] as string);
    const idx = shown[axis] as number[];
    const full = t.shape[axis] as number;
    const parts = idx.map((_, k) => block(axis + 1, base + k * (strides[axis] as number), `${indent} `));
    if (idx.length < full) parts.splice(EDGE_ITEMS, 0, '...');
    if (axis === ndim - 1) return `[${wrap(parts, indent)}]`;
    // Rows on their own lines; one blank line more per axis above them (NumPy's layout).
    const gap = `,${'\n'.repeat(ndim - axis - 1)}${indent} `;
    return `[${parts.join(gap)}]`;
  };
  const body = block(0, 0, ' '.repeat(PREFIX.length));
  return `${PREFIX}${body}, shape=${fmtShape(t.shape)}, dtype=${t.dtype}, device=${t.device})`;
}

/** Joins the cells of a last-axis row with ', ', breaking lines to stay within LINE_WIDTH. */
function wrap(parts: readonly string[], indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const p of parts) {
    // +1 for the '[' before the row, +2 for the ', ' (or the '],' closing it).
    if (line !== '' && indent.length + 1 + line.length + 2 + p.length + 2 > LINE_WIDTH) {
      lines.push(line);
      line = p;
    } else line = line === '' ? p : `${line}, ${p}`;
  }
  lines.push(line);
  return lines.join(`,\n${indent} `);
}

/**
 * One string per value. Floats share one notation (as NumPy and PyTorch): integers as `2.`,
 * 4 decimals when magnitudes are moderate, scientific when they span too much or are extreme.
 */
function formatCells(dtype: DType, values: ArrayLike<number> | TypedArray): string[] {
  const xs = Array.from(values as ArrayLike<number>);
  if (dtype === 'bool') return xs.map((v) => (v !== 0 ? 'true' : 'false'));
  if (dtype === 'int32') return xs.map((v) => String(v));
  const finite = xs.filter(Number.isFinite);
  const abs = finite.map(Math.abs).filter((a) => a > 0);
  const max = Math.max(0, ...abs);
  const min = Math.min(Number.POSITIVE_INFINITY, ...abs);
  const integral = finite.every(Number.isInteger) && max < 1e8;
  const scientific = !integral && (max >= 1e8 || min < 1e-4 || max / min > 1e6);
  return xs.map((v) => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (integral) return `${Object.is(v, -0) ? '-0' : v.toFixed(0)}.`;
    if (scientific) return v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2'); // 1.0000e-06
    return v.toFixed(4);
  });
}
