/**
 * Every TypeScript snippet of every README type-checks under `tsc --strict` against the
 * workspace packages: each ```ts block of README.md, packages/<name>/README*, and
 * examples/<folder>/README.md becomes one module in a temporary project (ESM, top-level await
 * allowed, `@webgrad/*` mapped to the packages' sources), and one tsc run checks them all. A
 * failure names the README, the line there, and tsc's message. No README may contain a path
 * of one machine (a `cd /abs/path`, a home or temp directory).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Snippet {
  readme: string;
  /** 1-based line of the snippet's first code line in the README. */
  line: number;
  code: string;
}

function readmes(): string[] {
  const found = ['README.md'];
  const under = (dir: string, depth: number): void => {
    for (const name of readdirSync(join(ROOT, dir))) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const rel = join(dir, name);
      if (statSync(join(ROOT, rel)).isDirectory()) {
        if (depth > 0) under(rel, depth - 1);
      } else if (/^README.*\.md$/i.test(name)) found.push(rel);
    }
  };
  under('packages', 1);
  under('examples', 3);
  return found;
}

function snippetsOf(readme: string): Snippet[] {
  const lines = readFileSync(join(ROOT, readme), 'utf8').split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i] as string)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    out.push({ readme, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return out;
}

it('every TypeScript snippet in the READMEs type-checks with tsc --strict', () => {
  const snippets = readmes().flatMap(snippetsOf);
  expect(snippets.length).toBeGreaterThan(0);
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-readme-'));
  try {
    const files = snippets.map((s, i) => {
      const file = `snippet-${i}.ts`;
      // `export {}` makes every snippet a module (top-level await, no globals shared between them).
      writeFileSync(join(dir, file), `${s.code}\nexport {};\n`);
      return file;
    });
    const pkg = (name: string) => [join(ROOT, `packages/${name}/src/index.ts`)];
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.base.json'),
        compilerOptions: {
          noEmit: true,
          strict: true,
          customConditions: ['source'],
          typeRoots: [join(ROOT, 'node_modules/@types')],
          paths: {
            '@webgrad/tensor': pkg('tensor'),
            '@webgrad/autograd': pkg('autograd'),
            '@webgrad/nn': pkg('nn'),
            '@webgrad/abba': pkg('abba'),
          },
        },
        files: files,
      }),
    );
    let output = '';
    try {
      execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-p', dir, '--pretty', 'false'], {
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
    // Report each error at its README and snippet. Errors inside the packages' own sources are
    // `pnpm typecheck`'s business: a snippet's misuse is always reported in the snippet.
    const failures: string[] = [];
    for (const line of output.split('\n')) {
      const m = /snippet-(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
      if (!m) continue;
      const s = snippets[Number(m[1])] as Snippet;
      const at = s.line + Number(m[2]) - 1;
      failures.push(`${s.readme}:${at}: ${m[4]}\n    ${s.code.split('\n')[Number(m[2]) - 1]?.trim()}`);
    }
    expect(failures, `README snippets that do not type-check:\n${failures.join('\n')}`).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

it('no README contains a path of one machine', () => {
  const machinePath = /(?:^|[\s`'"(=])(?:cd\s+\/|\/work\/|\/home\/|\/Users\/|\/root\/|\/tmp\/|[A-Z]:\\)/;
  const found: string[] = [];
  for (const readme of readmes()) {
    readFileSync(join(ROOT, readme), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (machinePath.test(line)) found.push(`${readme}:${i + 1}: ${line.trim()}`);
      });
  }
  expect(found).toEqual([]);
});
