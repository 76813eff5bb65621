/** The tour's snippet runner (tour-snippets.ts): extraction, import merging, output rewriting. */
import { describe, expect, it } from 'vitest';
import { blocksOf, programOf, withOutputs } from './tour-snippets.js';

const FENCE = '```';
const chapter = [
  '# A chapter',
  `${FENCE}ts`,
  "import { tensor, type Tensor } from '@webgrad/tensor';",
  'const a = tensor([1]);',
  FENCE,
  '',
  `${FENCE}text`,
  'old output',
  FENCE,
  'Prose, then a text block that belongs to no snippet:',
  `${FENCE}text`,
  'not an output',
  FENCE,
  `${FENCE}ts`,
  "import { grad } from '@webgrad/autograd';",
  "import { Tensor, zeros } from '@webgrad/tensor';",
  "import type { Tensor } from '@webgrad/tensor';",
  'console.log(1);',
  FENCE,
  '',
].join('\n');

describe('the tour snippet runner', () => {
  it('pairs each ts block with the text block right after it, and only that one', () => {
    const blocks = blocksOf(chapter);
    expect(blocks.map((b) => b.line)).toEqual([3, 15]);
    expect(blocks[0]?.output?.text).toBe('old output');
    expect(blocks[1]?.output).toBeUndefined();
  });

  it('merges the imports of every block once, a name wanted as a value imported as a value', () => {
    const program = programOf(blocksOf(chapter));
    const imports = program.split('\n').filter((l) => l.startsWith('import'));
    // Tensor: a type in the first block and an `import type`, a value in the second: one value.
    expect(imports).toEqual([
      "import { tensor, Tensor, zeros } from '@webgrad/tensor';",
      "import { grad } from '@webgrad/autograd';",
    ]);
    expect(program.match(/@@webgrad-tour-block@@/g)?.length).toBe(2);
  });

  it('rewrites an existing output and adds a missing one', () => {
    const blocks = blocksOf(chapter);
    const updated = withOutputs(chapter, blocks, ['new output', '1']);
    const again = blocksOf(updated);
    expect(again.map((b) => b.output?.text)).toEqual(['new output', '1']);
    expect(updated).toContain('not an output');
  });
});
