/**
 * The graph of a small expression, drawn in the page: `toDot` (from @webgrad/autograd) gives the
 * recorded graph as Graphviz DOT text; Graphviz itself is not in the browser, so this file reads
 * toDot's node and edge lines back and draws them as SVG in layers (each op one row below its
 * lowest input), boxes for ops and ellipses for leaves, as `dot` would lay out this small a graph.
 */
import { backward, toDot } from '@webgrad/autograd';
import { tensor, tidy } from '@webgrad/tensor';

export interface GraphNode {
  id: string;
  lines: string[];
  op: boolean;
  output: boolean;
}

export interface DrawnGraph {
  dot: string;
  nodes: GraphNode[];
  edges: [string, string][];
  svg: string;
}

/** The nodes and edges of toDot's output (its own, fixed format: one statement per line). */
export function parseDot(dot: string): { nodes: GraphNode[]; edges: [string, string][] } {
  const nodes: GraphNode[] = [];
  const edges: [string, string][] = [];
  for (const line of dot.split('\n')) {
    const node = /^ {2}(t\d+) \[label="((?:[^"\\]|\\.)*)", shape=(\w+)(.*)\];$/.exec(line);
    if (node) {
      const lines = (node[2] as string).split('\\n').map((l) => l.replace(/\\(.)/g, '$1'));
      nodes.push({
        id: node[1] as string,
        lines,
        op: node[3] === 'box',
        output: (node[4] as string).includes('peripheries'),
      });
      continue;
    }
    const edge = /^ {2}(t\d+) -> (t\d+)/.exec(line);
    if (edge) edges.push([edge[1] as string, edge[2] as string]);
  }
  return { nodes, edges };
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A layered SVG drawing: an op's rank is 1 + the largest rank of its inputs, a leaf's 1 less than its first consumer's. */
export function layout(nodes: readonly GraphNode[], edges: readonly [string, string][]): string {
  const rank = new Map<string, number>();
  for (const n of nodes) {
    const inputs = edges.filter(([, to]) => to === n.id).map(([from]) => rank.get(from) ?? 0);
    rank.set(n.id, inputs.length === 0 ? 0 : 1 + Math.max(...inputs));
  }
  // A leaf sits just above its first consumer, not at the top (b of x w + b next to the mul).
  for (const n of nodes) {
    const users = edges.filter(([from]) => from === n.id).map(([, to]) => rank.get(to) ?? 1);
    if (!n.op && users.length > 0) rank.set(n.id, Math.min(...users) - 1);
  }
  const size = (n: GraphNode) => ({
    w: 16 + 6.6 * Math.max(...n.lines.map((l) => l.length)),
    h: 10 + 14 * n.lines.length,
  });
  const rows: GraphNode[][] = [];
  for (const n of nodes) (rows[rank.get(n.id) ?? 0] ??= []).push(n);
  const at = new Map<string, { x: number; y: number; w: number; h: number }>();
  let y = 10;
  let width = 0;
  for (const row of rows) {
    const sizes = row.map(size);
    let x = 10;
    row.forEach((n, i) => {
      const s = sizes[i] as { w: number; h: number };
      at.set(n.id, { x, y, ...s });
      x += s.w + 20;
    });
    width = Math.max(width, x);
    y += Math.max(...sizes.map((s) => s.h)) + 36;
  }
  const parts = edges.map(([from, to]) => {
    const a = at.get(from) as { x: number; y: number; w: number; h: number };
    const b = at.get(to) as { x: number; y: number; w: number; h: number };
    return `<line class="edge" x1="${a.x + a.w / 2}" y1="${a.y + a.h}" x2="${b.x + b.w / 2}" y2="${b.y}" stroke="#555" marker-end="url(#arrow)"/>`;
  });
  for (const n of nodes) {
    const p = at.get(n.id) as { x: number; y: number; w: number; h: number };
    const shape = n.op
      ? `<rect x="${p.x}" y="${p.y}" width="${p.w}" height="${p.h}" fill="#fff" stroke="#333" stroke-width="${n.output ? 2.5 : 1}"/>`
      : `<ellipse cx="${p.x + p.w / 2}" cy="${p.y + p.h / 2}" rx="${p.w / 2}" ry="${p.h / 2}" fill="#dbe9f6" stroke="#333"/>`;
    const text = n.lines
      .map((l, i) => `<text x="${p.x + p.w / 2}" y="${p.y + 17 + 14 * i}" text-anchor="middle">${escapeXml(l)}</text>`)
      .join('');
    parts.push(`<g class="node">${shape}${text}</g>`);
  }
  const defs =
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="sans-serif" font-size="11">${defs}${parts.join('')}</svg>`;
}

/** The neuron of the tour's chapter 3, L = tanh(x w + b), with its values and gradients. */
export function neuronGraph(): DrawnGraph {
  // tidy frees every tensor made here (x, w, b, the ops' outputs, the gradients) once the DOT
  // text is made: the page checks that nothing is left alive at the end.
  const dot = tidy(() => {
    const x = tensor(2);
    const w = tensor(-0.5);
    const b = tensor(0.5);
    for (const t of [x, w, b]) t.requiresGrad = true;
    const loss = x.mul(w).add(b).tanh();
    const text = toDot(loss, { grads: true, values: true, names: { x, w, b } });
    backward(loss); // the real backward pass releases the recorded graph
    return text;
  });
  const { nodes, edges } = parseDot(dot);
  return { dot, nodes, edges, svg: layout(nodes, edges) };
}
