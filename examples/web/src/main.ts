/**
 * The page: train on the CPU, then on WebGPU when the browser offers an adapter, with a live
 * loss plot; then a slice of the op-spec parity suite on each device. Everything it found is also
 * put on `window.webgradResults` (status 'done' or 'error') for the end-to-end test.
 *
 * URL parameters: steps (default 300), webgpu=0 (skip WebGPU), cases (CPU parity cases per row,
 * default 4), gpuCases (WebGPU parity cases per row, default 2).
 */
import { type AdapterInfo, initWebGPU, memory } from '@webgrad/tensor';
import { neuronGraph } from './graph-view.js';
import { twoMoons } from './moons.js';
import { type ParityReport, type RowResult, runParity } from './parity.js';
import { type CheckResult, runPlatformChecks } from './platform-checks.js';
import { drawDecision, drawLoss } from './plot.js';
import { type TrainReport, trainMoons } from './train.js';

interface RunSummary {
  finalLoss: number;
  testAccuracy: number;
  steps: number;
  ms: number;
  samples: TrainReport['samples'];
}

interface Results {
  status: 'running' | 'done' | 'error';
  error?: string;
  navigatorGpu: boolean;
  /** What initWebGPU() reported, or why it failed. */
  adapter?: AdapterInfo | { error: string };
  train: { cpu?: RunSummary; webgpu?: RunSummary };
  parity: { cpu?: ParityReport; webgpu?: ParityReport };
  /** The browser platform module's checks (platform-checks.ts). */
  platform?: CheckResult[];
  /** The graph of tanh(x w + b) drawn from toDot's output (graph-view.ts): its node labels and edges. */
  graph?: { labels: string[][]; edges: [string, string][] };
  /** Tensors still alive on each device at the end (everything should have been disposed). */
  liveTensors?: Record<string, number>;
}

const params = new URLSearchParams(location.search);
const STEPS = Number(params.get('steps') ?? 300);
const CASES = Number(params.get('cases') ?? 4);
const GPU_CASES = Number(params.get('gpuCases') ?? 2);
const results: Results = { status: 'running', navigatorGpu: 'gpu' in navigator, train: {}, parity: {} };
(window as unknown as { webgradResults: Results }).webgradResults = results;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => {
  $('status').textContent = text;
};
const nextFrame = () => new Promise<void>((r) => setTimeout(r, 0));

function addResultRow(r: TrainReport): void {
  const tr = document.createElement('tr');
  tr.innerHTML = `<td>${r.device}</td><td>${r.finalLoss.toFixed(4)}</td><td>${(100 * r.testAccuracy).toFixed(1)}%</td><td>${r.ms.toFixed(0)}</td>`;
  $('results').appendChild(tr);
}

function showSamples(r: TrainReport): void {
  for (const s of r.samples) {
    const tr = document.createElement('tr');
    const cls = s.label === s.predicted ? 'ok' : 'bad';
    tr.innerHTML = `<td>${s.x[0].toFixed(2)}</td><td>${s.x[1].toFixed(2)}</td><td>${s.label}</td><td class="${cls}">${s.predicted}</td><td>${s.p.toFixed(3)}</td>`;
    $('samples').appendChild(tr);
  }
}

function showParityRow(check: string, r: RowResult): void {
  const div = document.createElement('div');
  div.className = r.failure ? 'bad' : 'ok';
  div.textContent = `${r.failure ? '✗' : '✓'} ${check} ${r.name}${r.failure ? `: ${r.failure}` : ''}`;
  $('parity-rows').appendChild(div);
}

function summary(r: TrainReport): RunSummary {
  return { finalLoss: r.finalLoss, testAccuracy: r.testAccuracy, steps: r.steps, ms: r.ms, samples: r.samples };
}

async function main(): Promise<void> {
  const train = twoMoons(256, 0.1, 1);
  const test = twoMoons(256, 0.1, 2);
  const curves: Record<string, number[]> = {};
  const lossCanvas = $<HTMLCanvasElement>('loss');
  const graph = neuronGraph();
  $('graph').innerHTML = graph.svg;
  $('graph-dot').textContent = graph.dot;
  results.graph = { labels: graph.nodes.map((n) => n.lines), edges: graph.edges };

  const run = async (device: 'cpu' | 'webgpu') => {
    curves[device] = [];
    const report = await trainMoons(train, test, {
      device,
      steps: STEPS,
      lr: 0.02,
      seed: 0,
      onStep: async (step, loss) => {
        curves[device]?.push(loss);
        if (step % 10 === 0 || step === STEPS - 1) {
          status(`training on ${device}: step ${step + 1}/${STEPS}, loss ${loss.toFixed(4)}`);
          drawLoss(lossCanvas, curves, STEPS);
          await nextFrame();
        }
      },
    });
    addResultRow(report);
    return report;
  };

  const cpu = await run('cpu');
  results.train.cpu = summary(cpu);
  drawDecision($<HTMLCanvasElement>('map'), cpu.grid, cpu.gridSize, test);
  showSamples(cpu);

  if (params.get('webgpu') !== '0') {
    try {
      results.adapter = await initWebGPU();
      const a = results.adapter;
      $('adapter').textContent = `WebGPU adapter: ${a.vendor} ${a.architecture} ${a.description} (${a.featureLevel})`;
    } catch (e) {
      results.adapter = { error: e instanceof Error ? e.message : String(e) };
      $('adapter').textContent = `WebGPU: ${results.adapter.error}`;
    }
    if (!('error' in results.adapter)) results.train.webgpu = summary(await run('webgpu'));
  }

  const parity = async (check: 'cpu' | 'webgpu', cases: number) => {
    status(`op-spec parity on ${check}…`);
    await nextFrame();
    const report = await runParity(check, cases, (r) => showParityRow(check, r));
    results.parity[check] = report;
    return report;
  };
  status('platform checks…');
  results.platform = await runPlatformChecks();
  for (const c of results.platform) {
    const li = document.createElement('div');
    li.className = c.ok ? 'ok' : 'bad';
    li.textContent = `${c.ok ? '✓' : '✗'} ${c.name}: ${c.detail}`;
    $('platform-checks').appendChild(li);
  }
  const reports = [await parity('cpu', CASES)];
  if (results.train.webgpu) reports.push(await parity('webgpu', GPU_CASES));
  $('parity-summary').textContent = reports
    .map((r) => `${r.check}: ${r.passed}/${r.rows.length} rows pass (${(r.ms / 1000).toFixed(1)} s)`)
    .join('; ');
  const m = memory();
  results.liveTensors = { cpu: m.cpu?.tensors ?? 0, webgpu: m.webgpu?.tensors ?? 0 };
  const failed = reports.reduce((s, r) => s + r.failed, 0) + results.platform.filter((c) => !c.ok).length;
  status(failed === 0 ? 'done: every check passed' : `done: ${failed} checks failed`);
  results.status = 'done';
}

main().catch((e) => {
  results.status = 'error';
  results.error = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
  status(`error: ${results.error}`);
});
