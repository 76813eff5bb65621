/**
 * Elementwise and reduction throughput: webgrad's CPU backend next to tfjs-core's CPU backend,
 * timed interleaved in one run (see compareTimes). Each case includes reading the result back.
 *
 * usage: node bench/dist/run.js elementwise
 */
import { randn, type Tensor, tidy } from '@webgrad/tensor';
import { writeResult } from './lib/results.js';
import { markdownTable, printTable, type Row } from './lib/table.js';
import { loadTf, type Tf, useTfBackend } from './lib/tfjs.js';
import { compareTimes } from './lib/timing.js';

type TfTensor = ReturnType<Tf['tensor']>;

interface Case {
  label: string;
  /** Elements touched (read + written) per call, for a Melem/s column. */
  elements: number;
  ours: (x: Tensor, y: Tensor) => Tensor;
  peer: (tf: Tf, x: TfTensor, y: TfTensor) => TfTensor;
  /** Shapes of the two operands. */
  shapes: [number[], number[]];
}

const M = 1024;
const CASES: Case[] = [
  {
    label: 'exp(x * y + x), 1M',
    elements: M * M,
    shapes: [[M * M], [M * M]],
    ours: (x, y) => x.mul(y).add(x).exp(),
    peer: (tf, x, y) => tf.exp(tf.add(tf.mul(x, y), x)),
  },
  {
    label: 'sum axis 0 of [1024,1024]',
    elements: M * M,
    shapes: [[M, M], [1]],
    ours: (x) => x.sum(0),
    peer: (tf, x) => tf.sum(x, 0),
  },
  {
    label: 'sum axis 1 of [1024,1024]',
    elements: M * M,
    shapes: [[M, M], [1]],
    ours: (x) => x.sum(1),
    peer: (tf, x) => tf.sum(x, 1),
  },
  {
    label: 'sum all of [1024,1024]',
    elements: M * M,
    shapes: [[M, M], [1]],
    ours: (x) => x.sum(),
    peer: (tf, x) => tf.sum(x),
  },
  {
    label: '[1024,1] + [1024,1024]',
    elements: M * M,
    shapes: [
      [M, 1],
      [M, M],
    ],
    ours: (x, y) => x.add(y),
    peer: (tf, x, y) => tf.add(x, y),
  },
  {
    label: '[1024] + [1024,1024]',
    elements: M * M,
    shapes: [[M], [M, M]],
    ours: (x, y) => x.add(y),
    peer: (tf, x, y) => tf.add(x, y),
  },
  {
    label: 'x^T + y, [1024,1024]',
    elements: M * M,
    shapes: [
      [M, M],
      [M, M],
    ],
    ours: (x, y) => x.transpose().add(y),
    peer: (tf, x, y) => tf.add(tf.transpose(x), y),
  },
  {
    label: 'max axis 1 of [64,1024,16]',
    elements: M * M,
    shapes: [[64, 1024, 16], [1]],
    ours: (x) => x.max(1),
    peer: (tf, x) => tf.max(x, 1),
  },
  {
    label: '[65536,16] + [16] (short rows)',
    elements: M * M,
    shapes: [[65536, 16], [16]],
    ours: (x, y) => x.add(y),
    peer: (tf, x, y) => tf.add(x, y),
  },
  {
    label: 'sum axis 1 of [65536,16]',
    elements: M * M,
    shapes: [[65536, 16], [1]],
    ours: (x) => x.sum(1),
    peer: (tf, x) => tf.sum(x, 1),
  },
];

async function measure(tf: Tf, c: Case): Promise<Row> {
  const [x, y] = c.shapes.map((s, i) => randn(s, { seed: i + 1 })) as [Tensor, Tensor];
  const [tx, ty] = [
    tf.tensor(x.dataSync() as Float32Array, c.shapes[0]),
    tf.tensor(y.dataSync() as Float32Array, c.shapes[1]),
  ];
  const ours = () => {
    const out = tidy(() => c.ours(x, y));
    out.dataSync();
    out.dispose();
  };
  const peer = async () => {
    const out = tf.tidy(() => c.peer(tf, tx, ty));
    await out.data();
    out.dispose();
  };
  const t = await compareTimes({ webgrad: ours, tfjsCpu: peer }, { warmup: 2, reps: 9, budgetMs: 4000 });
  x.dispose();
  y.dispose();
  tf.dispose([tx, ty]);
  const ourMs = t.webgrad?.median ?? Number.NaN;
  const cpuMs = t.tfjsCpu?.median ?? Number.NaN;
  return {
    case: c.label,
    'webgrad ms': ourMs,
    'tfjs-cpu ms': cpuMs,
    'webgrad Melem/s': c.elements / (ourMs * 1e3),
    'webgrad / tfjs-cpu': cpuMs / ourMs,
  };
}

export async function main(): Promise<void> {
  const tf = await loadTf();
  await useTfBackend('cpu');
  const rows: Row[] = [];
  for (const c of CASES) rows.push(await measure(tf, c));
  const note = 'float32, median ms incl. readback; ratio > 1 means webgrad is faster; interleaved in one run.';
  printTable(rows, note);
  const path = writeResult('elementwise-cpu', `${note}\n\n${markdownTable(rows)}`, 'elementwise and reductions, CPU');
  console.log(`\nwrote ${path}`);
}
