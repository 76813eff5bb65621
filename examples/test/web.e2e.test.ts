/**
 * End to end in a real browser: builds examples/web, serves it from a loopback-only static server,
 * opens it in headless Chromium (Debian's `chromium`, driven by playwright-core), waits for the
 * page to train on the CPU and on WebGPU and to run its op-spec parity slice on both, checks the
 * reported loss, accuracy and parity, and saves a screenshot and the page's results under
 * examples/out/web/ (ignored by git). A second run without --enable-unsafe-webgpu checks that the
 * page says why there is no adapter and still trains on the CPU.
 *
 * Headless Chromium offers WebGPU only through SwiftShader (software Vulkan inside Chromium) and
 * only with --enable-unsafe-webgpu. Under CI=true a missing Chromium or a missing WebGPU adapter
 * fails the test; elsewhere a missing Chromium skips it with one line saying how to get one.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module without types (the page's build script)
import { buildWebPage } from '../web/build.mjs';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..');
const SITE = join(EXAMPLES, 'web/dist');
const OUT = join(EXAMPLES, 'out/web');
const CHROMIUM = process.env.WEBGRAD_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';

const ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

/** Serves files under `root` on 127.0.0.1 only: GET only, no path outside root, short timeouts. */
function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)));
    const file = path.endsWith(sep) ? join(path, 'index.html') : path;
    if (req.method !== 'GET' || !file.startsWith(root + sep) || !existsSync(file)) {
      res.writeHead(req.method === 'GET' ? 404 : 405).end();
      return;
    }
    // Cross-origin isolation, so SharedArrayBuffer (and threaded kernels) are usable in the page.
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

interface PageResults {
  status: 'running' | 'done' | 'error';
  error?: string;
  navigatorGpu: boolean;
  adapter?: { vendor?: string; architecture?: string; description?: string; featureLevel?: string; error?: string };
  train: Record<string, { finalLoss: number; testAccuracy: number; steps: number; ms: number } | undefined>;
  parity: Record<
    string,
    { passed: number; failed: number; rows: { name: string; failure?: string }[]; ms: number } | undefined
  >;
  platform?: { name: string; ok: boolean; detail: string }[];
  /** The page's drawing of tanh(x w + b) from toDot (examples/web/src/graph-view.ts). */
  graph?: { labels: string[][]; edges: [string, string][] };
  /** Tensors still alive on each device when the page finished. */
  liveTensors?: Record<string, number>;
}

if (!HAVE_CHROMIUM && !IN_CI)
  console.log(
    `web e2e: skipped, no Chromium at ${CHROMIUM} (install it: bash scripts/setup-system.sh, or set WEBGRAD_CHROMIUM)`,
  );

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('examples/web in headless Chromium', () => {
  let server: Server | undefined;
  const profiles: string[] = [];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM)
      throw new Error(`CI=true: no Chromium at ${CHROMIUM}; bash scripts/setup-system.sh installs it`);
    await buildWebPage(SITE);
    server = await serve(SITE);
    mkdirSync(OUT, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    for (const dir of profiles) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the page in a fresh Chromium profile, waits for it to finish, saves what it showed. */
  async function runPage(args: string[], query: string, name: string) {
    const profile = mkdtempSync(join(tmpdir(), 'webgrad-chromium-'));
    profiles.push(profile);
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args,
      viewport: { width: 1240, height: 900 },
    });
    const problems: string[] = [];
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      const { port } = (server as Server).address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/index.html${query}`);
      await page.waitForFunction(
        () => (globalThis as unknown as { webgradResults?: { status: string } }).webgradResults?.status !== 'running',
        undefined,
        { timeout: 400_000, polling: 500 },
      );
      const results = (await page.evaluate(
        () => (globalThis as unknown as { webgradResults: unknown }).webgradResults,
      )) as PageResults;
      await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
      writeFileSync(join(OUT, `${name}.json`), `${JSON.stringify(results, null, 2)}\n`);
      const a = results.adapter;
      console.log(
        `web e2e (${name}): navigator.gpu ${results.navigatorGpu ? 'present' : 'missing'}; requestAdapter(): ${
          a?.error ?? `${a?.vendor} / ${a?.architecture} / ${a?.description} (${a?.featureLevel})`
        }`,
      );
      for (const [device, r] of Object.entries(results.train))
        console.log(
          `web e2e (${name}): ${device}: loss ${r?.finalLoss.toFixed(4)}, test accuracy ${r?.testAccuracy}, ${r?.ms.toFixed(0)} ms`,
        );
      for (const [check, p] of Object.entries(results.parity))
        console.log(
          `web e2e (${name}): parity ${check}: ${p?.passed}/${p?.rows.length} rows in ${p?.ms.toFixed(0)} ms`,
        );
      return { results, problems };
    } finally {
      await context.close();
    }
  }

  const failures = (results: PageResults, check: string) =>
    results.parity[check]?.rows.filter((r) => r.failure).map((r) => `${r.name}: ${r.failure}`);

  function expectCpuPassed(results: PageResults, problems: string[]): void {
    expect(results.error, 'the page reported an error').toBeUndefined();
    expect(results.status).toBe('done');
    expect(problems).toEqual([]);
    expect(results.train.cpu?.finalLoss).toBeLessThan(0.05);
    expect(results.train.cpu?.testAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(results.parity.cpu?.rows.length).toBeGreaterThan(40);
    expect(failures(results, 'cpu')).toEqual([]);
    expect(results.liveTensors?.cpu, 'CPU tensors left alive by the page').toBe(0);
    expect(results.platform?.length).toBeGreaterThanOrEqual(7);
    expect(results.platform?.filter((c) => !c.ok)).toEqual([]);
    // The page is cross-origin isolated: the threaded wasm matmul must really have run on workers.
    expect(results.platform?.find((c) => c.name.startsWith('wasm matmul on two threads'))?.detail).toMatch(
      /^workers ran \d+ chunks/,
    );
    // The graph of tanh(x w + b) at x = 2, w = -0.5, b = 0.5: x, w, mul, b, add, tanh, with the
    // values and gradients of the tour's chapter 3 (in float32 here).
    expect(results.graph?.labels.map((l) => l[0])).toEqual([
      'x (param)',
      'w (param)',
      'mul',
      'b (param)',
      'add',
      'tanh',
    ]);
    expect(results.graph?.labels[0]).toEqual(['x (param)', '[] float32 cpu', '= 2', 'grad []', 'grad = -0.3932']);
    expect(results.graph?.labels[5]).toEqual(['tanh', '[] float32 cpu', '= -0.4621', 'grad []', 'grad = 1']);
    expect(results.graph?.edges).toEqual([
      ['t0', 't2'],
      ['t1', 't2'],
      ['t2', 't4'],
      ['t3', 't4'],
      ['t4', 't5'],
    ]);
  }

  it('trains on the CPU and on WebGPU, and passes the op-spec parity slice on both', async () => {
    const { results, problems } = await runPage(ARGS, '', 'screenshot');
    expectCpuPassed(results, problems);
    expect(results.navigatorGpu, 'navigator.gpu in Chromium with --enable-unsafe-webgpu').toBe(true);
    if (results.adapter?.error) {
      // Outside CI a Chromium without a WebGPU adapter still tested the CPU path above.
      if (IN_CI) expect.fail(`CI=true: Chromium offered no WebGPU adapter: ${results.adapter.error}`);
      return;
    }
    expect(results.train.webgpu?.finalLoss).toBeLessThan(0.05);
    expect(results.train.webgpu?.testAccuracy).toBeGreaterThanOrEqual(0.97);
    expect(results.parity.webgpu?.rows.length).toBeGreaterThan(40);
    expect(failures(results, 'webgpu')).toEqual([]);
    expect(results.liveTensors?.webgpu, 'WebGPU tensors left alive by the page').toBe(0);
  }, 600_000);

  it('without --enable-unsafe-webgpu, initWebGPU() explains why and the page stays on the CPU', async () => {
    const args = [...ARGS.filter((a) => a !== '--enable-unsafe-webgpu'), '--disable-gpu'];
    const { results, problems } = await runPage(args, '?steps=150&cases=2', 'no-webgpu');
    expectCpuPassed(results, problems);
    expect(results.adapter?.error).toMatch(/^initWebGPU: no WebGPU adapter \(browser: .*\); use a browser with WebGPU/);
    expect(results.train.webgpu).toBeUndefined();
    expect(results.parity.webgpu).toBeUndefined();
  }, 300_000);
});
