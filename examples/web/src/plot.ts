/** Canvas drawings for the page: the live loss curves and the learned decision map. */
import type { Points } from './moons.js';
import { GRID_BOUNDS } from './train.js';

export const COLORS: Record<string, string> = { cpu: '#1f77b4', webgpu: '#d95f02' };

/** Loss curves on a log scale, one per device, redrawn whole (a few hundred points). */
export function drawLoss(canvas: HTMLCanvasElement, curves: Record<string, number[]>, totalSteps: number): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width: w, height: h } = canvas;
  const pad = { l: 48, r: 12, t: 12, b: 28 };
  g.clearRect(0, 0, w, h);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, w, h);
  const all = Object.values(curves).flat();
  if (all.length === 0) return;
  const lo = Math.log10(Math.max(1e-4, Math.min(...all)));
  const hi = Math.log10(Math.max(...all));
  const top = Math.ceil(hi * 2) / 2;
  const bottom = Math.min(Math.floor(lo * 2) / 2, top - 0.5);
  const px = (step: number) => pad.l + (step / Math.max(1, totalSteps - 1)) * (w - pad.l - pad.r);
  const py = (v: number) => pad.t + ((top - Math.log10(v)) / (top - bottom)) * (h - pad.t - pad.b);
  g.strokeStyle = '#ddd';
  g.fillStyle = '#555';
  g.font = '11px sans-serif';
  for (let e = bottom; e <= top + 1e-9; e += 0.5) {
    const y = py(10 ** e);
    g.beginPath();
    g.moveTo(pad.l, y);
    g.lineTo(w - pad.r, y);
    g.stroke();
    g.fillText((10 ** e).toPrecision(2), 4, y + 4);
  }
  g.fillText('step', w - pad.r - 26, h - 8);
  g.fillText('0', pad.l, h - 8);
  g.fillText(String(totalSteps), w - pad.r - 60, h - 8);
  for (const [name, losses] of Object.entries(curves)) {
    g.strokeStyle = COLORS[name] ?? '#000';
    // The devices usually agree to many digits: draw the second run dashed over the first.
    g.lineWidth = name === 'cpu' ? 4 : 2;
    g.setLineDash(name === 'cpu' ? [] : [6, 4]);
    g.beginPath();
    for (const [i, v] of losses.entries()) {
      if (i === 0) g.moveTo(px(i), py(v));
      else g.lineTo(px(i), py(v));
    }
    g.stroke();
  }
  g.setLineDash([]);
}

/** The model's P(class 1) as a shaded grid, with the test points on top. */
export function drawDecision(canvas: HTMLCanvasElement, grid: Float32Array, size: number, test: Points): void {
  const g = canvas.getContext('2d');
  if (!g) return;
  const { width: w, height: h } = canvas;
  const cw = w / size;
  const ch = h / size;
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      const p = grid[r * size + c] as number;
      // Blue for class 0, orange for class 1, pale near the boundary.
      const rgb = p < 0.5 ? [31, 119, 180] : [217, 95, 2];
      const a = Math.abs(p - 0.5) * 0.9;
      // Mixed with white rather than drawn translucent, so neighbouring cells show no seams.
      const [r0, g0, b0] = rgb.map((v) => Math.round(255 + (v - 255) * a));
      g.fillStyle = `rgb(${r0}, ${g0}, ${b0})`;
      g.fillRect(Math.floor(c * cw), Math.floor(r * ch), Math.ceil(cw) + 1, Math.ceil(ch) + 1);
    }
  const { x0, x1, y0, y1 } = GRID_BOUNDS;
  for (let i = 0; i < test.n; i++) {
    const x = (((test.x[2 * i] as number) - x0) / (x1 - x0)) * w;
    const y = ((y1 - (test.x[2 * i + 1] as number)) / (y1 - y0)) * h;
    g.beginPath();
    g.arc(x, y, 3, 0, 2 * Math.PI);
    g.fillStyle = test.y[i] === 0 ? '#1f77b4' : '#d95f02';
    g.fill();
    g.strokeStyle = '#fff';
    g.lineWidth = 1;
    g.stroke();
  }
}
