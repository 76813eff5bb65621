/**
 * The two-moons toy dataset (two interleaved half circles, as scikit-learn's make_moons), drawn
 * from a small seeded generator so every run and every device sees the same points.
 */

export interface Points {
  /** [n, 2] row-major coordinates. */
  x: Float32Array;
  /** [n] class labels, 0 (upper moon) or 1 (lower moon). */
  y: Int32Array;
  n: number;
}

/** mulberry32: a tiny 32-bit generator, enough for toy data (not for the library's randomness). */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` points, half on each moon, with Gaussian noise of standard deviation `noise`; centred near 0.
 * @example const { x, y } = twoMoons(200, 0.1, 1);
 */
export function twoMoons(n: number, noise: number, seed: number): Points {
  const rand = generator(seed);
  // Box-Muller: two uniforms -> one standard normal.
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const x = new Float32Array(2 * n);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const t = Math.PI * rand();
    const [px, py] = label === 0 ? [Math.cos(t), Math.sin(t)] : [1 - Math.cos(t), 0.5 - Math.sin(t)];
    x[2 * i] = px - 0.5 + noise * normal();
    x[2 * i + 1] = py - 0.25 + noise * normal();
    y[i] = label;
  }
  return { x, y, n };
}
