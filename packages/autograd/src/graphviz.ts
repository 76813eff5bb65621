/**
 * Node only (`@webgrad/autograd/graphviz`): renders DOT text (from `toDot`) with Graphviz's `dot`
 * program, which must be on the PATH (Debian: `apt-get install graphviz`). Kept out of the main
 * entry so that a browser bundle never sees `node:child_process`; in a page, hand the DOT text to
 * a Graphviz build for the web instead.
 * @module @webgrad/autograd/graphviz
 */
import { spawn } from 'node:child_process';
import { TensorError } from '@webgrad/tensor';

/** The output formats of `dot -T<format>` that come back as text. */
export type DotTextFormat = 'svg' | 'plain' | 'json' | 'dot';

/**
 * Runs `dot -T<format>` on `dot` and resolves with what it printed. Rejects with a TensorError
 * when `dot` is not installed, or with Graphviz's own message when it rejects the input.
 * @example const svg = await renderDot(toDot(loss), 'svg');
 */
export function renderDot(dot: string, format: DotTextFormat = 'svg'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('dot', [`-T${format}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      err += s;
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new TensorError(
              'backend',
              'renderDot: Graphviz `dot` is not on the PATH; install Graphviz (Debian: apt-get install graphviz) or render the DOT text elsewhere',
              { cause: e },
            )
          : e,
      );
    });
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else {
        const why = err.trim();
        reject(new TensorError('value', `renderDot: dot -T${format} exited with ${code}: ${why}`));
      }
    });
    // A missing `dot` closes stdin at once: ignore the write error, 'error' above reports it.
    child.stdin.on('error', () => {});
    child.stdin.end(dot);
  });
}

/**
 * `toDot`'s text as an SVG document (`dot -Tsvg`).
 * @example await writeFile('graph.svg', await toSvg(toDot(f, x)));
 */
export function toSvg(dot: string): Promise<string> {
  return renderDot(dot, 'svg');
}
