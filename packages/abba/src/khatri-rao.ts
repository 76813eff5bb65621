/**
 * The ABBA update applied to an input without forming the m x n matrix (arXiv 2505.14238, §3.2,
 * Theorem 3): with the row-wise Khatri-Rao product ⊙_r,
 *   (B1 A1) ⊙ (B2 A2) = B_kr A_kr,  B_kr = B1 ⊙_r B2 (m x r1 r2),  A_kr = (A1^T ⊙_r A2^T)^T (r1 r2 x n),
 * since ((B1 A1) ⊙ (B2 A2))_ij = Σ_a Σ_b B1_ia B2_ib A1_aj A2_bj. So
 *   x dW^T = s (x A_kr^T) B_kr^T                                            (Eq. 5)
 * costs O(N r1 r2 (m + n)) and never holds an m x n tensor.
 *
 * Three implementations of `delta(x) = x dW^T` (x [N, n] -> [N, m]) for measurement and choice:
 * - `abbaDeltaFused`: two customVjp ops (x A_kr^T, then s h B_kr^T) whose backwards recompute
 *   A_kr and B_kr from the factors instead of saving them (as PEFT's LoHa `HadaWeight` does);
 * - `abbaDeltaPlain`: the same ops composed, differentiated by the tape (which saves A_kr, B_kr and
 *   x A_kr^T);
 * - `abbaDeltaNaive`: materialises dW = s (B1 A1) ⊙ (B2 A2) (Eq. 2) and multiplies by it.
 */
import { customVjp } from '@webgrad/autograd';
import { type Tensor, TensorError, tidy } from '@webgrad/tensor';

function dims2(name: string, t: Tensor): [number, number] {
  if (t.ndim !== 2) throw new TensorError('shape', `khatri-rao: ${name} must be 2-d, got [${t.shape.join(', ')}]`);
  return t.shape as [number, number];
}

/**
 * Row-wise Khatri-Rao product: out[i, a r2 + b] = p[i, a] q[i, b] ([m, r1], [m, r2] -> [m, r1 r2]).
 * @example rowKhatriRao(tensor([[1, 2]]), tensor([[3, 4]])) // [[3, 4, 6, 8]]
 */
export function rowKhatriRao(p: Tensor, q: Tensor): Tensor {
  const [m, r1] = dims2('p', p);
  const [mq, r2] = dims2('q', q);
  if (m !== mq)
    throw new TensorError('shape', `rowKhatriRao: row counts differ: p is [${m}, ${r1}], q is [${mq}, ${r2}]`);
  return p
    .reshape([m, r1, 1])
    .mul(q.reshape([m, 1, r2]))
    .reshape([m, r1 * r2]); // [m, r1, r2] -> [m, r1 r2]
}

/**
 * A_kr = (A1^T ⊙_r A2^T)^T: out[a r2 + b, j] = a1[a, j] a2[b, j] ([r1, n], [r2, n] -> [r1 r2, n]).
 * @example columnKhatriRao(tensor([[1], [2]]), tensor([[3]])) // [[3], [6]]
 */
export function columnKhatriRao(a1: Tensor, a2: Tensor): Tensor {
  const [r1, n] = dims2('a1', a1);
  const [r2, n2] = dims2('a2', a2);
  if (n !== n2)
    throw new TensorError('shape', `columnKhatriRao: column counts differ: a1 is [${r1}, ${n}], a2 is [${r2}, ${n2}]`);
  return a1
    .reshape([r1, 1, n])
    .mul(a2.reshape([1, r2, n]))
    .reshape([r1 * r2, n]); // [r1, r2, n] -> [r1 r2, n]
}

/** The four ABBA factors of one layer: B1 [m, r1], A1 [r1, n], B2 [m, r2], A2 [r2, n]. */
export interface AbbaFactors {
  b1: Tensor;
  a1: Tensor;
  b2: Tensor;
  a2: Tensor;
}

function checkFactors(op: string, x: Tensor | undefined, f: AbbaFactors): void {
  const [m, r1] = dims2('B1', f.b1);
  const [ra1, n] = dims2('A1', f.a1);
  const [mb2, r2] = dims2('B2', f.b2);
  const [ra2, na2] = dims2('A2', f.a2);
  const bad = [
    ra1 !== r1 && `A1 has ${ra1} rows but B1 has ${r1} columns`,
    ra2 !== r2 && `A2 has ${ra2} rows but B2 has ${r2} columns`,
    mb2 !== m && `B2 has ${mb2} rows but B1 has ${m}`,
    na2 !== n && `A2 has ${na2} columns but A1 has ${n}`,
    x && (x.ndim !== 2 || x.shape[1] !== n) && `x [${x.shape.join(', ')}] must be [N, ${n}]`,
  ].filter(Boolean);
  if (bad.length > 0) throw new TensorError('value', `${op}: ${bad.join('; ')}`);
}

/**
 * The materialised update dW = s (B1 A1) ⊙ (B2 A2), [m, n] (Eq. 2). Used for merging and as the
 * reference the Khatri-Rao forms are tested against.
 * @example abbaDeltaWeight({ b1, a1, b2, a2 }, 0.25).shape // [m, n]
 */
export function abbaDeltaWeight(f: AbbaFactors, s: number): Tensor {
  checkFactors('abbaDeltaWeight', undefined, f);
  return f.b1.matmul(f.a1).mul(f.b2.matmul(f.a2)).mul(s);
}

/**
 * x dW^T through the materialised dW (x [N, n] -> [N, m]); memory O(m n).
 * @example abbaDeltaNaive(x, factors, s).shape // [N, m]
 */
export function abbaDeltaNaive(x: Tensor, f: AbbaFactors, s: number): Tensor {
  checkFactors('abbaDeltaNaive', x, f);
  return x.matmul(abbaDeltaWeight(f, s).mT);
}

/**
 * s (x A_kr^T) B_kr^T as plain ops (Eq. 5), differentiated by the tape.
 * @example abbaDeltaPlain(x, factors, s).shape // [N, m]
 */
export function abbaDeltaPlain(x: Tensor, f: AbbaFactors, s: number): Tensor {
  checkFactors('abbaDeltaPlain', x, f);
  const aKr = columnKhatriRao(f.a1, f.a2); // [R, n], R = r1 r2
  const bKrS = rowKhatriRao(f.b1.mul(s), f.b2); // s B_kr [m, R]
  return x.matmul(aKr.mT).matmul(bKrS.mT); // [N, R] -> [N, m]
}

/**
 * Stage 1 of Eq. 5, h = x A_kr^T ([N, n] -> [N, R], R = r1 r2). Backward for cotangent dh, with
 * A_kr recomputed (chain rule through out[ab, j] = A1[a, j] A2[b, j]):
 *   dx = dh A_kr,  dA_kr = dh^T x,
 *   dA1[a, j] = Σ_b dA_kr[ab, j] A2[b, j],   dA2[b, j] = Σ_a dA_kr[ab, j] A1[a, j].
 */
const krProject = customVjp(
  (x, a1, a2) => tidy(() => (x as Tensor).matmul(columnKhatriRao(a1 as Tensor, a2 as Tensor).mT)),
  (dh, _h, x, a1, a2) => {
    const [r1, n] = (a1 as Tensor).shape as [number, number];
    const r2 = (a2 as Tensor).shape[0] as number;
    const aKr = columnKhatriRao(a1 as Tensor, a2 as Tensor); // [R, n]
    const dAkr = dh.mT.matmul(x as Tensor).reshape([r1, r2, n]); // [R, n] -> [r1, r2, n]
    return [
      dh.matmul(aKr), // dx [N, n]
      dAkr.mul((a2 as Tensor).reshape([1, r2, n])).sum(1), // dA1 [r1, n]
      dAkr.mul((a1 as Tensor).reshape([r1, 1, n])).sum(0), // dA2 [r2, n]
    ];
  },
);

/**
 * Stage 2 of Eq. 5, out = s h B_kr^T ([N, R] -> [N, m]). Backward for cotangent g, with B_kr
 * recomputed (chain rule through out[i, ab] = B1[i, a] B2[i, b]):
 *   dh = s g B_kr,  dB_kr = s g^T h,
 *   dB1[i, a] = Σ_b dB_kr[i, ab] B2[i, b],   dB2[i, b] = Σ_a dB_kr[i, ab] B1[i, a].
 */
function krExpand(s: number): (...xs: Tensor[]) => Tensor {
  let op = expandByScale.get(s);
  if (op) return op;
  op = customVjp(
    (h, b1, b2) => tidy(() => (h as Tensor).matmul(rowKhatriRao((b1 as Tensor).mul(s), b2 as Tensor).mT)),
    (g, _out, h, b1, b2) => {
      const [m, r1] = (b1 as Tensor).shape as [number, number];
      const r2 = (b2 as Tensor).shape[1] as number;
      const bKrS = rowKhatriRao((b1 as Tensor).mul(s), b2 as Tensor); // s B_kr [m, R]
      const dBkr = g.mT.matmul(h as Tensor).reshape([m, r1, r2]); // g^T h: [m, R] -> [m, r1, r2]
      return [
        g.matmul(bKrS), // dh [N, R]
        dBkr
          .mul((b2 as Tensor).reshape([m, 1, r2]))
          .sum(2)
          .mul(s), // dB1 [m, r1]
        dBkr
          .mul((b1 as Tensor).reshape([m, r1, 1]))
          .sum(1)
          .mul(s), // dB2 [m, r2]
      ];
    },
  );
  if (expandByScale.size < 64) expandByScale.set(s, op);
  return op;
}

const expandByScale = new Map<number, (...xs: Tensor[]) => Tensor>();

/**
 * s (x A_kr^T) B_kr^T (Eq. 5) as two custom ops, h = x A_kr^T and s h B_kr^T, whose forwards
 * free their Khatri-Rao factor at once and whose backwards recompute it from the factors (as
 * PEFT's LoHa `HadaWeight` recomputes its products): the graph holds x, h [N, r1 r2] and the four
 * factors, never A_kr, B_kr or an m x n matrix. The backwards are tensor ops, so grad of grad works.
 * @example abbaDeltaFused(x, { b1, a1, b2, a2 }, 1 / 4).shape // [N, m]
 */
export function abbaDeltaFused(x: Tensor, f: AbbaFactors, s: number): Tensor {
  checkFactors('abbaDeltaFused', x, f);
  return krExpand(s)(krProject(x, f.a1, f.a2), f.b1, f.b2);
}
