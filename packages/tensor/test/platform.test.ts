import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platform, TensorError, tensor, tidyAsync } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';
import { platform as browser } from '../src/platform/browser.js';

describe('the platform seam in Node', () => {
  it('is the Node implementation under vitest', () => {
    expect(platform.name).toBe('node');
    expect(platform.cpuCount()).toBeGreaterThanOrEqual(1);
    expect(platform.sharedMemoryUsable()).toBe(true);
  });

  it('reads settings from process.env', () => {
    process.env.WEBGRAD_TEST_SETTING = 'x1';
    expect(platform.setting('WEBGRAD_TEST_SETTING')).toBe('x1');
    delete process.env.WEBGRAD_TEST_SETTING;
    expect(platform.setting('WEBGRAD_TEST_SETTING')).toBeUndefined();
  });

  it('runs browser-style worker source through worker_threads', async () => {
    const w = platform.startWorker('self.onmessage = (e) => postMessage(e.data.map((v) => v * 2));');
    const reply = new Promise((resolve) => w.onMessage(resolve));
    w.postMessage([1, 2, 3]);
    expect(await reply).toEqual([2, 4, 6]);
    w.terminate();
  });

  it('reports a worker that throws', async () => {
    const w = platform.startWorker('throw new Error("boom at start");');
    const err = await new Promise<Error>((resolve) => w.onError(resolve));
    expect(err.message).toContain('boom at start');
    w.terminate();
  });

  it('writes files atomically and reads them back', async () => {
    const dir = platform.joinPath(mkdtempSync(join(tmpdir(), 'webgrad-platform-')), 'a', 'b');
    await platform.mkdir(dir);
    const path = platform.joinPath(dir, 'x.bin');
    await platform.writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    await platform.writeFileAtomic(path, 'hello');
    expect(readFileSync(path, 'utf8')).toBe('hello');
    expect([...(await platform.readFile(path))]).toEqual([104, 101, 108, 108, 111]);
  });

  it('keeps tidyAsync scopes apart across concurrent awaits (AsyncLocalStorage)', async () => {
    const kept: ReturnType<typeof tensor>[] = [];
    const run = (v: number) =>
      tidyAsync(async () => {
        const a = tensor([v]);
        await new Promise((r) => setTimeout(r, 5));
        const b = a.add(1);
        kept.push(a);
        return b;
      });
    const [b1, b2] = await Promise.all([run(1), run(2)]);
    expect(kept.every((t) => t.isDisposed)).toBe(true);
    expect([await b1.item(), await b2.item()]).toEqual([2, 3]);
  });
});

describe('the browser implementation (web APIs only, run here in Node)', () => {
  it('reads settings from globalThis.WEBGRAD_SETTINGS, not process.env', () => {
    process.env.WEBGRAD_ONLY_ENV = 'env';
    const g = globalThis as { WEBGRAD_SETTINGS?: Record<string, string> };
    expect(browser.setting('WEBGRAD_ONLY_ENV')).toBeUndefined();
    g.WEBGRAD_SETTINGS = { WEBGRAD_DEVICE: 'webgpu' };
    expect(browser.setting('WEBGRAD_DEVICE')).toBe('webgpu');
    delete g.WEBGRAD_SETTINGS;
    delete process.env.WEBGRAD_ONLY_ENV;
  });

  it('throws a TensorError pointing to the byte-level API for file I/O', async () => {
    await expect(browser.readFile('m.safetensors')).rejects.toThrow(TensorError);
    await expect(browser.writeFileAtomic('m.safetensors', 'x')).rejects.toThrow(/serializeSafetensors/);
    await expect(browser.mkdir('d')).rejects.toThrow(/no file system in a browser/);
  });

  it('has a stack async context: nested and sequential runs see their own value', async () => {
    const ctx = browser.asyncContext<string>();
    expect(ctx.get()).toBeUndefined();
    const seen: (string | undefined)[] = [];
    await ctx.run('outer', async () => {
      seen.push(ctx.get());
      await new Promise((r) => setTimeout(r, 1));
      seen.push(ctx.get()); // still current after an await
      ctx.run('inner', () => seen.push(ctx.get()));
      seen.push(ctx.get());
    });
    seen.push(ctx.get());
    expect(seen).toEqual(['outer', 'outer', 'inner', 'outer', undefined]);
    expect(() =>
      ctx.run('x', () => {
        throw new Error('thrown');
      }),
    ).toThrow('thrown');
    expect(ctx.get()).toBeUndefined();
  });

  it('offers only the browser adapter route and explains a missing navigator.gpu', async () => {
    expect(browser.gpuRoutes('auto')).toEqual(['browser']);
    expect(await browser.requestAdapter('vulkan')).toMatch(/only its own adapter/);
    const nav = (globalThis as { navigator?: object }).navigator;
    if (!nav || !('gpu' in nav)) expect(await browser.requestAdapter('browser')).toMatch(/navigator\.gpu/);
  });
});
