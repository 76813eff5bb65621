/**
 * Every code snippet of the tour (docs/*.md) runs, and prints exactly what its chapter shows:
 * each chapter's ```ts blocks run as one program (tour-snippets.ts) and each block's stdout must
 * equal the ```text block after it. `TOUR_UPDATE=1 npx vitest run examples/test/tour.test.ts`
 * rewrites the text blocks from a run (then read the diff: the prose around them must still be
 * true). The chapters must also link each other in order from docs/README.md.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { blocksOf, programOf, runChapter, typeCheck, withOutputs } from './tour-snippets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = join(ROOT, 'docs');
const CHAPTERS = readdirSync(DOCS)
  .filter((f) => /^\d\d-.*\.md$/.test(f))
  .sort();

describe('the tour', () => {
  it('has its chapters, each listed in docs/README.md', () => {
    expect(CHAPTERS.length).toBeGreaterThan(0);
    const index = readFileSync(join(DOCS, 'README.md'), 'utf8');
    for (const c of CHAPTERS) expect(index, `docs/README.md links ${c}`).toContain(`(${c})`);
  });

  it('every chapter type-checks under tsc --strict', () => {
    const programs = new Map(
      CHAPTERS.map((c) => [c.replace(/\.md$/, ''), programOf(blocksOf(readFileSync(join(DOCS, c), 'utf8')))]),
    );
    const errors = typeCheck(programs, ROOT);
    expect(errors, `tour snippets that do not type-check:\n${errors.join('\n')}`).toEqual([]);
  }, 120_000);

  for (const chapter of CHAPTERS) {
    it(`${chapter}: every snippet runs and prints what the chapter shows`, async () => {
      const path = join(DOCS, chapter);
      const markdown = readFileSync(path, 'utf8');
      const blocks = blocksOf(markdown);
      expect(blocks.length, `${chapter} has code`).toBeGreaterThan(0);
      const outputs = await runChapter(blocks, ROOT);
      expect(outputs.length, `${chapter}: the program ran to its end`).toBe(blocks.length);
      if (process.env.TOUR_UPDATE === '1') {
        writeFileSync(path, withOutputs(markdown, blocks, outputs));
        return;
      }
      blocks.forEach((b, k) => {
        expect(outputs[k], `docs/${chapter}:${b.line}: the output of this block`).toBe(b.output?.text ?? '');
      });
    }, 300_000);
  }
});
