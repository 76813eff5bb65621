/**
 * The interop suite's link to Python: the virtual environment made by scripts/setup-python.sh
 * (or WEBGRAD_PYTHON), and `runPython(command, dir)` for the commands of interop/python/run.py.
 * Without the environment the suite skips with one line saying how to enable it; under CI=true
 * a missing environment fails the run instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const RUN = join(repo, 'interop/python/run.py');
export const PYTHON = process.env.WEBGRAD_PYTHON ?? join(repo, '.venv-interop/bin/python');

function pythonWorks(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import torch, safetensors, peft, transformers'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const ready = pythonWorks();
if (!ready) {
  if (process.env.CI === 'true')
    throw new Error(
      `interop: CI=true but there is no working Python environment at ${PYTHON}; run bash scripts/setup-python.sh`,
    );
  console.log('interop: skipped (no Python environment; run `bash scripts/setup-python.sh` to enable it)');
}

/** `describe` for suites that need Python: skipped (outside CI) when the environment is missing. */
export function describeWithPython(name: string, body: () => void): void {
  describe.skipIf(!ready)(name, body);
}

/** Runs `python interop/python/run.py <command> <dir>`; stderr is shown when it fails. */
export function runPython(command: string, dir: string): void {
  try {
    execFileSync(PYTHON, [RUN, command, dir], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (e) {
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`interop: python ${command} failed: ${err.stderr?.toString() ?? err.message}`);
  }
}

const NON_FINITE: Record<string, number> = {
  inf: Number.POSITIVE_INFINITY,
  '-inf': Number.NEGATIVE_INFINITY,
  nan: Number.NaN,
};

/** The result.json a command wrote to `dir` (non-finite numbers travel as "inf", "-inf", "nan"). */
export function readResult<T = Record<string, unknown>>(dir: string): T {
  return JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'), (_k, v) =>
    typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v,
  ) as T;
}

/** A fresh temporary directory; `cleanup()` removes all of them. */
const made: string[] = [];
export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `webgrad-interop-${prefix}-`));
  made.push(d);
  return d;
}
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}
