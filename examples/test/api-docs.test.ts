/**
 * The API reference builds: `pnpm run docs` runs TypeDoc over the four packages' entry points
 * (docs/api/typedoc.json), which fails on any undocumented export or unresolved {@link}
 * (treatWarningsAsErrors). The output lands in the ignored docs/api/out/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const OUT = join(ROOT, 'docs/api/out');

it('pnpm run docs builds the API reference with every export documented and no broken link', () => {
  rmSync(OUT, { recursive: true, force: true }); // no page of an earlier build counts
  let log = '';
  try {
    log = execFileSync('pnpm', ['run', 'docs'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: 'pipe',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    const output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    // TypeDoc's [warning] lines name each undocumented export or broken link; compiler errors
    // come as their own lines before its [error] summary: show the whole tail.
    expect.fail(`pnpm run docs failed:\n${output.slice(-6000)}`);
  }
  expect(log).toContain('html generated');
  // One page per documented export: spot-check one of each package.
  for (const page of [
    'functions/_webgrad_tensor.tensor.html',
    'classes/_webgrad_tensor_wasm.ModuleBuilder.html',
    'functions/_webgrad_autograd.toDot.html',
    'classes/_webgrad_nn.GPT.html',
    'functions/_webgrad_abba.applyAdapter.html',
  ]) {
    expect(existsSync(join(OUT, page)), page).toBe(true);
  }
  expect(readFileSync(join(OUT, 'functions/_webgrad_autograd.toDot.html'), 'utf8')).toContain('Graphviz DOT');
}, 600_000);
