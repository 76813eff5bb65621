/**
 * The operands of each primitive, as a typed tuple: what the rule tables (VJP in rules.ts, JVP in
 * jvp-rules.ts, batching) receive as `xs`, so that `add`'s rule destructures `[a, b]` as Tensors
 * without casts. Names follow the primitive table's documentation (prims.ts).
 */
import type { Prim, Tensor } from '@webgrad/tensor';

type Unary = readonly [x: Tensor];
type Binary = readonly [a: Tensor, b: Tensor];
type Reduce = readonly [x: Tensor];

export interface PrimInputMap {
  neg: Unary;
  exp: Unary;
  log: Unary;
  sqrt: Unary;
  sin: Unary;
  cos: Unary;
  tanh: Unary;
  erf: Unary;
  floor: Unary;
  cast: Unary;
  add: Binary;
  sub: Binary;
  mul: Binary;
  div: Binary;
  pow: Binary;
  max: Binary;
  cmplt: Binary;
  cmpeq: Binary;
  floorDiv: Binary;
  remainder: Binary;
  where: readonly [cond: Tensor, a: Tensor, b: Tensor];
  sum: Reduce;
  maxReduce: Reduce;
  prod: Reduce;
  reshape: Unary;
  permute: Unary;
  expand: Unary;
  slice: Unary;
  pad: Unary;
  concat: readonly Tensor[];
  gather: readonly [x: Tensor, index: Tensor];
  scatterAdd: readonly [x: Tensor, index: Tensor, src: Tensor];
  matmul: Binary;
  contiguous: Unary;
  argsort: Unary;
}

/** The operand tuple of primitive `P`. */
export type PrimInputs<P extends Prim> = P extends keyof PrimInputMap ? PrimInputMap[P] : readonly Tensor[];

/** A tuple of tensors with each entry replaced by `T` (homomorphic: tuples stay tuples). */
export type EachOperand<Xs extends readonly Tensor[], T> = { readonly [K in keyof Xs]: T };

/** The same tuple with each operand's tangent (undefined = a zero tangent, or no tangent). */
export type PrimTangents<P extends Prim> = EachOperand<PrimInputs<P>, Tensor | undefined>;

// Fails to compile when a primitive has no operand tuple above, or a tuple names no primitive.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const PRIM_INPUTS_COMPLETE: Same<keyof PrimInputMap, Prim> = true;
