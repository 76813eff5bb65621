/** Writing benchmark tables to bench/results/<name>.md, with the machine they ran on. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** bench/results, found from this file's place in bench/dist/lib or bench/lib. */
export function resultsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const benchRoot = here.includes(`${join('bench', 'dist')}`) ? join(here, '..', '..') : join(here, '..');
  return join(benchRoot, 'results');
}

/** One line naming the machine and runtime, for the head of a result file. */
export function machineLine(): string {
  const cpu = cpus();
  return `${cpu.length} x ${cpu[0]?.model ?? 'unknown CPU'}, Node ${process.version}, ${new Date().toISOString()}`;
}

/**
 * Writes `markdown` to bench/results/<name>.md under a heading and the machine line; returns the path.
 * @example writeResult('matmul-cpu', markdownTable(rows));
 */
export function writeResult(name: string, markdown: string, title = name): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.md`);
  writeFileSync(path, `# ${title}\n\n${machineLine()}\n\n${markdown.trimEnd()}\n`);
  return path;
}

/**
 * Writes `value` to bench/results/<name>.json with the machine line, for tools to read; returns the path.
 * @example writeJson('training', { mlp: timings });
 */
export function writeJson(name: string, value: unknown): string {
  const dir = resultsDir();
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.json`);
  writeFileSync(path, `${JSON.stringify({ machine: machineLine(), ...(value as object) }, null, 1)}\n`);
  return path;
}
