import { execFileSync } from 'node:child_process';
import { backward, dotString, grad, toDot } from '@webgrad/autograd';
import { renderDot, toSvg } from '@webgrad/autograd/graphviz';
import { memory, type Tensor, TensorError, tensor } from '@webgrad/tensor';
import { describe, expect, it } from 'vitest';

/** The node lines `id -> label` and the edges `from->to` of DOT text written by toDot. */
function parse(dot: string): { labels: Map<string, string>; edges: string[] } {
  const labels = new Map<string, string>();
  for (const m of dot.matchAll(/^ {2}(t\d+) \[label="((?:[^"\\]|\\.)*)"/gm)) labels.set(m[1] as string, m[2] as string);
  const edges = [...dot.matchAll(/^ {2}(t\d+) -> (t\d+)/gm)].map((m) => `${m[1]}->${m[2]}`);
  return { labels, edges };
}

const hasDot = (() => {
  try {
    execFileSync('dot', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe('toDot', () => {
  it('draws f(x, w) = sum(tanh(x * w) + 1): one vertex per tensor, edges forward, op and meta on each', () => {
    const x = tensor([1, 2, 3]);
    const w = tensor([0.5, -1, 2]);
    const dot = toDot((x: Tensor, w: Tensor) => x.mul(w).tanh().add(1).sum(), x, w);
    const { labels, edges } = parse(dot);
    // x, w, mul, tanh, the constant 1, add, sum
    expect([...labels.values()]).toEqual([
      'x0 (input 0)\\n[3] float32 cpu',
      'x1 (input 1)\\n[3] float32 cpu',
      'mul\\n[3] float32 cpu',
      'tanh\\n[3] float32 cpu',
      'const\\n[] float32 cpu',
      'add\\n[3] float32 cpu',
      'sum\\naxes=[0] keepdims=false\\n[] float32 cpu',
    ]);
    expect(edges).toEqual(['t0->t2', 't1->t2', 't2->t3', 't3->t5', 't4->t5', 't5->t6']);
    expect(dot).toMatch(/^ {2}t6 \[.*peripheries=2\];$/m); // the output is ringed
    expect(dot).toMatch(/^ {2}t0 -> t2 \[label="0"\];$/m); // binary ops number their operands
    expect(dot).toMatch(/^digraph webgrad \{\n/);
    expect(dot.trimEnd().endsWith('}')).toBe(true);
  });

  it('shows each tensor the cotangent that reaches it, equal to grad', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const f = (x: Tensor) => x.mul(x).sum();
    const { labels } = parse(toDot(f, x, { grads: true, values: true }));
    const g = Array.from((grad(f)(x) as Tensor).dataSync());
    expect(g).toEqual([2, 4, 6]);
    expect(labels.get('t0')).toBe('x0 (input 0)\\n[3] float64 cpu\\n= [1, 2, 3]\\ngrad [3]\\ngrad = [2, 4, 6]');
    expect(labels.get('t1')).toBe('mul\\n[3] float64 cpu\\n= [1, 4, 9]\\ngrad [3]\\ngrad = [1, 1, 1]');
    expect(labels.get('t2')).toBe('sum\\naxes=[0] keepdims=false\\n[] float64 cpu\\n= 14\\ngrad []\\ngrad = 1');
  });

  it('draws a recorded (requiresGrad) graph without filling .grad or releasing it', () => {
    const w = tensor([
      [1, 2],
      [3, 4],
    ]);
    w.requiresGrad = true;
    const v = tensor([[1], [0.5]]);
    const loss = w.matmul(v).sum();
    const before = memory().cpu?.tensors;
    const { labels, edges } = parse(toDot(loss, { grads: true, values: true, names: { w, v } }));
    expect(memory().cpu?.tensors).toBe(before); // the backward pass's cotangents were freed
    expect(labels.get('t0')).toBe(
      'w (param)\\n[2, 2] float32 cpu\\n= [1, 2, 3, 4]\\ngrad [2, 2]\\ngrad = [1, 0.5, 1, 0.5]',
    );
    expect(labels.get('t1')).toBe('v (const)\\n[2, 1] float32 cpu\\n= [1, 0.5]\\ngrad [2, 1]\\ngrad = [4, 6]');
    expect(edges).toEqual(['t0->t2', 't1->t2', 't2->t3']);
    expect(w.grad).toBeUndefined();
    backward(loss); // the graph is still there
    expect(Array.from((w.grad as unknown as Tensor).dataSync())).toEqual([1, 0.5, 1, 0.5]);
  });

  it('names leaves by [name, tensor] pairs and escapes quotes, backslashes and line breaks', () => {
    expect(dotString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
    const x = tensor([1, 2]);
    const dot = toDot((x: Tensor) => x.exp(), x, { names: [['say "hi"\\\nnow', x]] });
    expect(dot).toContain('t0 [label="say \\"hi\\"\\\\\\nnow (input 0)\\n[2] float32 cpu"');
    expect(dot).toContain('rankdir=TB;');
    expect(toDot((x: Tensor) => x.exp(), x, { rankdir: 'LR' })).toContain('rankdir=LR;');
  });

  it('raises a clear TensorError for no graph, no inputs, or an output not computed from them', () => {
    const plain = tensor([1, 2]).exp();
    expect(() => toDot(plain)).toThrow(TensorError);
    expect(() => toDot(plain)).toThrow(/no recorded graph.*toDot\(f, x\)/);
    expect(() => toDot((x: Tensor) => x.exp())).toThrow(/pass the inputs/);
    expect(() => toDot((_x: Tensor) => tensor([1]), tensor([1]))).toThrow(/computed .* from its inputs/);
    expect(() => toDot((x: Tensor) => x.exp(), tensor([1], { dtype: 'int32' }))).toThrow(/only float inputs/);
  });
});

describe('renderDot / toSvg (Graphviz)', () => {
  // Under CI=true the set-up script has installed Graphviz: a missing `dot` fails the run.
  const run = hasDot || process.env.CI === 'true' ? it : it.skip;

  run('renders toDot output as SVG with the op labels', async () => {
    const x = tensor([1, 2, 3]);
    const svg = await toSvg(toDot((x: Tensor) => x.mul(x).sum(), x, { names: [['a<b&"c"', x]] }));
    expect(svg).toContain('<svg');
    expect(svg).toContain('>mul</text>');
    expect(svg).toContain('a&lt;b&amp;&quot;c&quot; (input 0)');
    expect((svg.match(/class="node"/g) ?? []).length).toBe(3);
    // x -> mul twice (both operands), mul -> sum
    expect((svg.match(/class="edge"/g) ?? []).length).toBe(3);
  });

  run('passes on what dot says about bad input', async () => {
    await expect(renderDot('digraph { a -> }')).rejects.toThrow(/renderDot: dot -Tsvg exited with 1: .*syntax error/s);
  });

  it('raises a TensorError when dot is not on the PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(renderDot('digraph {}')).rejects.toThrow(/Graphviz `dot` is not on the PATH/);
    } finally {
      process.env.PATH = path;
    }
  });
});
