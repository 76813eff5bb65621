/**
 * The browser half of the platform seam, checked where it runs: settings from
 * `globalThis.WEBGRAD_SETTINGS`, a Web Worker from source text, `tidyAsync` across an await,
 * shared memory under cross-origin isolation, and checkpoints through Blobs and fetch (the path
 * API must refuse with a pointer to the byte-level one).
 */
import { loadSafetensorsFromBlob, loadSafetensorsFromResponse, safetensorsBlob, saveSafetensors } from '@webgrad/nn';
import {
  cpuThreadsReady,
  cpuWorkerChunks,
  getCpuKernels,
  getCpuThreads,
  platform,
  randn,
  setCpuThreads,
  type Tensor,
  TensorError,
  tensor,
  tidyAsync,
} from '@webgrad/tensor';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

type Check = [name: string, run: () => Promise<string>];

function assert(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

const CHECKS: Check[] = [
  [
    'the browser platform module',
    async () => {
      assert(platform.name === 'browser', `platform.name is ${platform.name}`);
      return `cpuCount ${platform.cpuCount()}`;
    },
  ],
  [
    'settings from WEBGRAD_SETTINGS',
    async () => {
      const g = globalThis as { WEBGRAD_SETTINGS?: Record<string, string> };
      g.WEBGRAD_SETTINGS = { WEBGRAD_PAGE_CHECK: 'on' };
      const got = platform.setting('WEBGRAD_PAGE_CHECK');
      delete g.WEBGRAD_SETTINGS;
      assert(got === 'on' && platform.setting('WEBGRAD_PAGE_CHECK') === undefined, `got ${got}`);
      return 'read and cleared';
    },
  ],
  [
    'a Web Worker from source text',
    async () => {
      const w = platform.startWorker('self.onmessage = (e) => postMessage(e.data.map((v) => v * 2));');
      const reply = new Promise((resolve, reject) => {
        w.onMessage(resolve);
        w.onError(reject);
      });
      w.postMessage([20, 1]);
      const got = await reply;
      w.terminate();
      assert(JSON.stringify(got) === '[40,2]', `reply ${JSON.stringify(got)}`);
      return 'reply [40, 2]';
    },
  ],
  [
    'tidyAsync across an await',
    async () => {
      const made: Tensor[] = [];
      const kept = await tidyAsync(async () => {
        made.push(tensor([1, 2]));
        await new Promise((r) => setTimeout(r, 5));
        const b = (made[0] as Tensor).add(1);
        made.push(b);
        return b.mul(2);
      });
      const ok = made.every((t) => t.isDisposed) && !kept.isDisposed;
      const values = await kept.array();
      kept.dispose();
      assert(ok, 'temporaries survived or the result was disposed');
      return `temporaries freed, result ${JSON.stringify(values)}`;
    },
  ],
  [
    'shared memory under cross-origin isolation',
    async () => {
      const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      assert(platform.sharedMemoryUsable() === isolated, 'sharedMemoryUsable() disagrees with crossOriginIsolated');
      return `crossOriginIsolated ${isolated}`;
    },
  ],
  [
    'wasm matmul on two threads (Web Workers over shared memory)',
    async () => {
      const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
      if (!isolated || getCpuKernels() !== 'wasm') return `skipped: kernels ${getCpuKernels()}, isolated ${isolated}`;
      const initial = getCpuThreads();
      const [a, b] = [randn([256, 300], { seed: 1 }), randn([300, 200], { seed: 2 })];
      try {
        setCpuThreads(1);
        const one = a.matmul(b);
        const expected = new Uint8Array((one.dataSync() as Float32Array).buffer);
        one.dispose();
        setCpuThreads(2);
        a.matmul(b).dispose(); // starts the workers
        await cpuThreadsReady();
        const before = cpuWorkerChunks();
        // Chunks are handed out dynamically: repeat until a woken worker has taken part.
        for (let i = 0; i < 100 && cpuWorkerChunks() === before; i++) {
          const two = a.matmul(b);
          const got = new Uint8Array((two.dataSync() as Float32Array).buffer);
          two.dispose();
          assert(
            got.every((x, k) => x === expected[k]),
            'two threads gave other bits than one',
          );
          if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1));
        }
        const chunks = cpuWorkerChunks() - before;
        assert(chunks > 0, 'no worker ran a chunk of the product');
        return `workers ran ${chunks} chunks, bits equal to one thread`;
      } finally {
        setCpuThreads(initial);
        a.dispose();
        b.dispose();
      }
    },
  ],
  [
    'checkpoints through a Blob and fetch',
    async () => {
      const w = tensor([
        [0.5, -1],
        [2, 3],
      ]);
      const blob = await safetensorsBlob({ w });
      const url = URL.createObjectURL(blob);
      const [fromBlob, fromFetch] = [
        await loadSafetensorsFromBlob(blob),
        await loadSafetensorsFromResponse(await fetch(url)),
      ];
      URL.revokeObjectURL(url);
      const same = JSON.stringify(await fromBlob.w?.array()) === JSON.stringify(await fromFetch.w?.array());
      const values = await fromFetch.w?.array();
      for (const t of [w, fromBlob.w, fromFetch.w]) t?.dispose();
      assert(same && JSON.stringify(values) === '[[0.5,-1],[2,3]]', `got ${JSON.stringify(values)}`);
      return `${blob.size} bytes`;
    },
  ],
  [
    'the file API refuses with a pointer',
    async () => {
      const w = tensor([1]);
      try {
        await saveSafetensors('model.safetensors', { w });
        throw new Error('saveSafetensors wrote a file in a browser?');
      } catch (e) {
        assert(e instanceof TensorError && /byte-level API/.test(e.message), `threw ${String(e)}`);
        return (e as TensorError).message;
      } finally {
        w.dispose();
      }
    },
  ],
];

/** Runs every check; never throws. */
export async function runPlatformChecks(): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const [name, run] of CHECKS) {
    try {
      out.push({ name, ok: true, detail: await run() });
    } catch (e) {
      out.push({ name, ok: false, detail: e instanceof Error ? e.message : String(e) });
    }
  }
  return out;
}
