/**
 * `jvp`: forward-mode differentiation of a function of pytrees of tensors (engine: forward.ts).
 */
import { dispatch, isFloat, type Tensor, TensorError, zerosLike } from '@webgrad/tensor';
import { type ForwardLevel, popLevel, pushLevel } from './forward.js';
import { type Flat, flatten, type PyTree } from './pytree.js';
import { closeLevel, openLevel, recordedNodeCount } from './tape.js';

function fmt(t: Tensor): string {
  return `[${t.shape.join(', ')}] ${t.dtype}`;
}

/** Leaf-by-leaf: a tangent must have its primal's shape, dtype and device. */
export function checkTangent(op: string, primal: Tensor, tangent: Tensor, where: string): void {
  if (!isFloat(primal.dtype)) {
    throw new TensorError('dtype', `${op}: ${where} is ${fmt(primal)}; only float tensors can be differentiated`);
  }
  const same = tangent.dtype === primal.dtype && tangent.shape.join() === primal.shape.join();
  if (!same) {
    throw new TensorError(
      'shape',
      `${op}: the tangent of ${where} is ${fmt(tangent)}; it must match the primal ${fmt(primal)}`,
    );
  }
  if (tangent.device !== primal.device) {
    throw new TensorError(
      'device',
      `${op}: the tangent of ${where} lives on ${tangent.device}, its primal on ${primal.device}; move it with await t.to(device)`,
    );
  }
}

/** The primals and tangents flattened side by side, with matching structure checked. */
export function flattenPairs(
  op: string,
  primals: readonly unknown[],
  tangents: readonly unknown[],
): [Flat[], Tensor[][]] {
  if (!Array.isArray(primals) || !Array.isArray(tangents) || primals.length !== tangents.length) {
    throw new TensorError(
      'value',
      `${op}: primals and tangents must be arrays of the same length (one entry per argument of f), got ${Array.isArray(primals) ? primals.length : typeof primals} and ${Array.isArray(tangents) ? tangents.length : typeof tangents}`,
    );
  }
  const flats = primals.map((p, i) => flatten(p, `${op} primal ${i}`));
  const tleaves = tangents.map((t, i) => {
    const leaves = flatten(t, `${op} tangent ${i}`).leaves;
    const want = (flats[i] as Flat).leaves;
    if (leaves.length !== want.length) {
      throw new TensorError('value', `${op}: tangent ${i} has ${leaves.length} tensors, its primal ${want.length}`);
    }
    leaves.forEach((t, j) => {
      checkTangent(op, want[j] as Tensor, t, `primal ${i} (leaf ${j})`);
    });
    return leaves;
  });
  return [flats, tleaves];
}

/**
 * Frees the tangents the engine made at a closing level, except those handed back. Only when no
 * tape node was recorded meanwhile: a recorded node may hold a tangent as an operand.
 */
function releaseTangents(
  level: ForwardLevel,
  keepAlive: readonly Tensor[],
  nodesBefore: number,
  firstId: number,
): void {
  if (recordedNodeCount() !== nodesBefore) return;
  const kept = new Set(keepAlive);
  // A rule may hand back an input's tangent unchanged (add with one tangent): only tensors made
  // after the level opened are the engine's, the caller's tangents are older.
  for (const t of level.made) if (t.id > firstId && !kept.has(t) && !t.isDisposed) t.dispose();
}

/** Options of `jvp`. */
export interface JvpOptions {
  /** f returns [out, aux]: aux is passed through untouched and returned third. */
  hasAux?: boolean;
}

/**
 * Forward mode: evaluates `f(...primals)` and the directional derivative of f at `primals` along
 * `tangents`, i.e. J v, in one pass. `primals` lists f's arguments (each a Tensor or a nested
 * array/object of Tensors); `tangents` has the same structure, shapes and dtypes. Returns
 * [out, tangentOut], tangentOut shaped like out (with `hasAux`, [out, tangentOut, aux]).
 * Composes with grad, vjp, vmap and itself. Tangents are tensors like any other: a tidy inside f
 * frees those of the tensors it returns too (their tangents are not returned), so put the tidy
 * around the jvp, not inside f.
 * The tangents of intermediates are freed when jvp returns (unless a grad recorded them).
 * @example
 *   const [y, dy] = jvp((x: Tensor) => x.sin(), [x], [onesLike(x)]); // dy = cos(x)
 *   // forward-over-reverse Hessian-vector product:
 *   const [, hv] = jvp(grad(f), [x], [v]);
 */
export function jvp<Out extends PyTree>(
  // biome-ignore lint/suspicious/noExplicitAny: transforms accept functions of any arguments.
  f: (...args: any[]) => Out,
  primals: readonly unknown[],
  tangents: readonly unknown[],
  opts?: { hasAux?: false },
): [Out, Out];
export function jvp<Out extends PyTree, Aux>(
  // biome-ignore lint/suspicious/noExplicitAny: transforms accept functions of any arguments.
  f: (...args: any[]) => [Out, Aux],
  primals: readonly unknown[],
  tangents: readonly unknown[],
  opts: { hasAux: true },
): [Out, Out, Aux];
export function jvp(
  // biome-ignore lint/suspicious/noExplicitAny: transforms accept functions of any arguments.
  f: (...args: any[]) => unknown,
  primals: readonly unknown[],
  tangents: readonly unknown[],
  opts: JvpOptions = {},
): unknown[] {
  const [flats, tleaves] = flattenPairs('jvp', primals, tangents);
  const id = openLevel();
  const level = pushLevel(id);
  const nodesBefore = recordedNodeCount();
  const keepAlive: Tensor[] = [];
  let firstId = Number.POSITIVE_INFINITY;
  try {
    // A fresh alias per argument leaf (a recorded identity view): the same tensor passed twice,
    // or to nested jvps, is a distinct variable at each position and level.
    const args = flats.map((flat, i) =>
      flat.unflatten(
        flat.leaves.map((x, j) => {
          const alias = dispatch('reshape', [x], { shape: [...x.shape] });
          firstId = Math.min(firstId, alias.id);
          level.tangents.set(alias, (tleaves[i] as Tensor[])[j] as Tensor);
          return alias;
        }),
      ),
    );
    const result = f(...args);
    if (opts.hasAux && (!Array.isArray(result) || result.length !== 2)) {
      throw new TensorError('value', 'jvp: with hasAux, the function must return [out, aux]');
    }
    const out = opts.hasAux ? (result as unknown[])[0] : result;
    const outFlat = flatten(out, 'jvp output');
    const touts = outFlat.leaves.map((o) => level.tangents.get(o) ?? zerosLike(o));
    keepAlive.push(...outFlat.leaves, ...touts);
    const answer = [out, outFlat.unflatten(touts)];
    return opts.hasAux ? [...answer, (result as unknown[])[1]] : answer;
  } finally {
    popLevel(level);
    closeLevel(id);
    releaseTangents(level, keepAlive, nodesBefore, firstId);
  }
}
