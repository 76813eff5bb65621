/**
 * The tour's snippet runner (docs/*.md, checked by tour.test.ts). A chapter's ```ts blocks are
 * one program, run top to bottom (later blocks use what earlier ones made); the ```text block
 * right after a ```ts block is the exact stdout of that block, and a block without one prints
 * nothing. Each block's imports are merged at the top of the program, so every snippet can show
 * the imports it uses. The program is bundled from the packages' sources by esbuild and run by
 * Node; a marker line printed between blocks tells the output of one block from the next.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface TourBlock {
  /** 1-based line of the block's first code line in the chapter. */
  line: number;
  code: string;
  /** The ```text block after it: [first line, line after the closing fence) (0-based), and its text. */
  output?: { start: number; end: number; text: string };
}

const MARKER = '@@webgrad-tour-block@@';

/** The ```ts blocks of a chapter and the ```text block following each (blank lines between allowed). */
export function blocksOf(markdown: string): TourBlock[] {
  const lines = markdown.split('\n');
  const fenceEnd = (from: number) => {
    let end = from;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    return end;
  };
  const blocks: TourBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```ts\s*$/.test(lines[i] as string)) continue;
    const end = fenceEnd(i + 1);
    const block: TourBlock = { line: i + 2, code: lines.slice(i + 1, end).join('\n') };
    let j = end + 1;
    while (j < lines.length && (lines[j] as string).trim() === '') j++;
    if (/^```text\s*$/.test(lines[j] ?? '')) {
      const close = fenceEnd(j + 1);
      block.output = { start: j + 1, end: close, text: lines.slice(j + 1, close).join('\n') };
      i = close;
    } else i = end;
    blocks.push(block);
  }
  return blocks;
}

const IMPORT = /^import\s+(type\s+)?\{([^}]*)\}\s+from\s+'([^']+)';[ \t]*\n?/gm;

/** One program: the blocks' merged imports, then each block's body followed by a marker line. */
export function programOf(blocks: readonly TourBlock[]): string {
  const names = new Map<string, Set<string>>();
  const bodies = blocks.map((b) =>
    b.code.replace(IMPORT, (_all, typeOnly: string | undefined, list: string, from: string) => {
      const set = names.get(from) ?? new Set<string>();
      for (const raw of list.split(',')) {
        const name = raw.trim();
        if (name) set.add(typeOnly && !name.startsWith('type ') ? `type ${name}` : name);
      }
      names.set(from, set);
      return '';
    }),
  );
  // A name imported both as a type and as a value is imported as a value.
  const imports = [...names].map(([from, set]) => {
    const list = [...set].filter((n) => !(n.startsWith('type ') && set.has(n.slice(5))));
    return `import { ${list.join(', ')} } from '${from}';`;
  });
  const body = bodies.map((b) => `${b}\nconsole.log(${JSON.stringify(MARKER)});`).join('\n');
  return `${imports.join('\n')}\n${body}\n`;
}

/** Bundles and runs a chapter's program; returns each block's stdout (no trailing newline). */
export async function runChapter(blocks: readonly TourBlock[], root: string): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-tour-'));
  try {
    const entry = join(dir, 'chapter.ts');
    writeFileSync(entry, programOf(blocks));
    const outfile = join(dir, 'chapter.mjs');
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      conditions: ['source'],
      nodePaths: [join(root, 'examples/node_modules')],
      // Loaded only by initWebGPU(), which the tour's snippets do not call.
      external: ['webgpu'],
      logLevel: 'error',
    });
    const stdout = execFileSync(process.execPath, [outfile], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, WEBGRAD_DEVICE: 'cpu' },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 16 << 20,
    });
    const parts = stdout.split(`${MARKER}\n`);
    parts.pop(); // after the last marker: nothing
    return parts.map((p) => p.replace(/\n$/, ''));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The chapter with every block's ```text block set to `outputs` (TOUR_UPDATE=1). */
export function withOutputs(markdown: string, blocks: readonly TourBlock[], outputs: readonly string[]): string {
  const lines = markdown.split('\n');
  // From the last block up, so earlier line numbers stay valid.
  for (let k = blocks.length - 1; k >= 0; k--) {
    const b = blocks[k] as TourBlock;
    const text = outputs[k] ?? '';
    if (b.output) lines.splice(b.output.start, b.output.end - b.output.start, ...text.split('\n'));
    else if (text !== '') {
      const close = b.line - 1 + b.code.split('\n').length; // the ts block's closing fence
      lines.splice(close + 1, 0, '', '```text', ...text.split('\n'), '```');
    }
  }
  return lines.join('\n');
}

/**
 * Type-checks the chapters' programs with tsc --strict against the packages' sources (as the
 * README snippet test does); returns tsc's messages, each with the program line it points at.
 */
export function typeCheck(programs: ReadonlyMap<string, string>, root: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-tour-tsc-'));
  try {
    const files = [...programs].map(([name, code]) => {
      writeFileSync(join(dir, `${name}.ts`), code);
      return `${name}.ts`;
    });
    const pkg = (name: string) => [join(root, `packages/${name}/src/index.ts`)];
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(root, 'tsconfig.base.json'),
        compilerOptions: {
          noEmit: true,
          strict: true,
          customConditions: ['source'],
          typeRoots: [join(root, 'node_modules/@types')],
          paths: {
            '@webgrad/tensor': pkg('tensor'),
            '@webgrad/autograd': pkg('autograd'),
            '@webgrad/autograd/graphviz': [join(root, 'packages/autograd/src/graphviz.ts')],
            '@webgrad/nn': pkg('nn'),
            '@webgrad/abba': pkg('abba'),
          },
        },
        files,
      }),
    );
    let output = '';
    try {
      execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', dir, '--pretty', 'false'], {
        cwd: dir,
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e) {
      const err = e as { stdout?: string; stderr?: string };
      output = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    }
    const found: string[] = [];
    for (const line of output.split('\n')) {
      const m = /^([\w-]+)\.ts\((\d+),\d+\): (.*)$/.exec(line);
      // Errors inside the packages' sources are `pnpm typecheck`'s business; report the snippets'.
      if (!m || !programs.has(m[1] as string)) continue;
      const code = programs
        .get(m[1] as string)
        ?.split('\n')
        [Number(m[2]) - 1]?.trim();
      found.push(`docs/${m[1]}.md: ${m[3]}\n    ${code}`);
    }
    return found;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
