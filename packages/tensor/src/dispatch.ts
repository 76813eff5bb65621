/**
 * The single seam every op goes through: validate operands, infer the output, make a view or
 * run the backend kernel, then tell the observers (autograd's tape is one) what happened.
 */
import { type Backend, type Device, getBackend, type View } from './backend.js';
import { ARRAY_TYPES, allocArray, coerceScalar, type TypedArray } from './dtype.js';
import { fail, fmtShape, TensorError } from './errors.js';
import { outputNeedsZeros } from './kernel-outputs.js';
import { Storage } from './memory.js';
import {
  type KernelPrim,
  type Meta,
  type OutMeta,
  PRIMS,
  type Prim,
  type PrimAttrs,
  type PrimSpec,
  type ViewPrim,
} from './prims.js';
import { contiguousStrides, reshapeStrides, shapesEqual, sizeOf } from './shape.js';
import { Tensor } from './tensor.js';

/** What observers are told after each primitive runs. */
export interface OpRecord<P extends Prim = Prim> {
  readonly prim: P;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
  readonly attrs: PrimAttrs[P];
}

/** Told about every primitive `dispatch` runs (autograd's tape is one); see `addObserver`. */
export interface Observer {
  /** Called after each primitive, with its inputs, output and attrs. */
  onOp(record: OpRecord): void;
}

const observers: Observer[] = [];

/** Registers an observer of every dispatched primitive; returns a function that removes it. */
export function addObserver(observer: Observer): () => void {
  observers.push(observer);
  return () => {
    const i = observers.indexOf(observer);
    if (i >= 0) observers.splice(i, 1);
  };
}

/**
 * A function transformation that evaluates ops on tensors of its own (vmap's batch tracers)
 * instead of handing them to a backend. Interpreters nest like the transforms that push them:
 * the innermost one that owns an operand claims the op, computes it from the tensors it wraps
 * (with ops that dispatch again, so outer interpreters see them), and returns one of its own
 * tensors. Shape and dtype checks run first, on the operands as the caller sees them, and
 * observers are told about the op at that level too.
 */
export interface Interpreter {
  /** Whether `t` is one of this interpreter's tensors. */
  owns(t: Tensor): boolean;
  /** Runs `prim`, at least one of whose operands this interpreter owns; `out` is the checked result meta. */
  apply<P extends Prim>(prim: P, inputs: readonly Tensor[], attrs: PrimAttrs[P], out: OutMeta): Tensor;
  /** stopGradient of one of its tensors (detach makes tensors without dispatch). */
  detach(t: Tensor): Tensor;
}

/** Active interpreters, outermost first. */
const interpreters: Interpreter[] = [];

/** Makes `interpreter` the innermost one; returns a function that removes it again. */
export function pushInterpreter(interpreter: Interpreter): () => void {
  interpreters.push(interpreter);
  return () => {
    const i = interpreters.lastIndexOf(interpreter);
    if (i >= 0) interpreters.splice(i, 1);
  };
}

/** The innermost active interpreter owning one of `inputs`, if any. */
export function interpreterOf(inputs: readonly Tensor[]): Interpreter | undefined {
  for (let k = interpreters.length - 1; k >= 0; k--) {
    const it = interpreters[k] as Interpreter;
    for (const t of inputs) if (it.owns(t)) return it;
  }
  return undefined;
}

export function backendFor(device: Device, op: string): Backend {
  const b = getBackend(device);
  if (!b)
    fail(
      'device',
      op,
      `the ${device} backend is not initialised${device === 'webgpu' ? '; call initWebGPU() first' : ''}`,
    );
  return b;
}

/** Runs primitive `prim` on `inputs`: the only path by which ops produce tensors. */
export function dispatch<P extends Prim>(prim: P, inputs: readonly Tensor[], attrs: PrimAttrs[P]): Tensor {
  const spec = PRIMS[prim] as PrimSpec<P>;
  if (spec.arity >= 0 && inputs.length !== spec.arity) {
    fail('value', prim, `expects ${spec.arity} operands, got ${inputs.length}`);
  }
  const device = checkOperands(prim, inputs);
  const out = spec.infer(inputs as readonly Meta[], attrs);
  const interpreter = interpreters.length > 0 ? interpreterOf(inputs) : undefined;
  const output = interpreter
    ? interpreter.apply(prim, inputs, attrs, out)
    : spec.kind === 'view'
      ? makeView(prim as ViewPrim, inputs[0] as Tensor, out.shape, attrs as PrimAttrs[ViewPrim])
      : runKernel(prim as KernelPrim, inputs, out.shape, out.dtype, device, attrs as PrimAttrs[KernelPrim]);
  if (observers.length > 0) {
    const record: OpRecord<P> = { prim, inputs, output, attrs };
    for (const o of observers) o.onOp(record as OpRecord);
  }
  return output;
}

function checkOperands(op: string, inputs: readonly Tensor[]): Device {
  for (const t of inputs) {
    if (t.isDisposed) fail('disposed', op, `operand #${t.id} ${fmtShape(t.shape)} ${t.dtype} was disposed`);
  }
  const device = inputs[0]?.device ?? 'cpu';
  let mixed = false;
  for (let i = 1; i < inputs.length; i++) mixed ||= (inputs[i] as Tensor).device !== device;
  if (mixed) {
    fail(
      'device',
      op,
      `operands live on different devices (${inputs.map((t) => `${t.device} ${fmtShape(t.shape)}`).join(', ')}); move them with await t.to(device)`,
    );
  }
  return device;
}

/** A tensor as the backend sees it, optionally broadcast (stride 0) to `shape`. */
export function viewOf(t: Tensor, shape: readonly number[] = t.shape): View {
  // Same shape (the common case): the tensor's own strides, no new array.
  if (shape === t.shape || shapesEqual(shape, t.shape)) {
    return { handle: t.storage.handle, dtype: t.dtype, shape, strides: t.strides, offset: t.offset };
  }
  const lead = shape.length - t.shape.length;
  const strides = shape.map((d, i) => (i < lead || t.shape[i - lead] !== d ? 0 : (t.strides[i - lead] as number)));
  return { handle: t.storage.handle, dtype: t.dtype, shape, strides, offset: t.offset };
}

/** A fresh contiguous tensor; its storage is zero-filled unless `zeroed` is false (a kernel will overwrite it all). */
function newTensor(backend: Backend, dtype: Tensor['dtype'], shape: readonly number[], zeroed = true): Tensor {
  const size = sizeOf(shape);
  let handle: unknown;
  try {
    handle = backend.alloc(dtype, size, zeroed);
  } catch (e) {
    if (e instanceof TensorError) throw e;
    throw new TensorError(
      'backend',
      `alloc: ${backend.device} could not allocate ${size} ${dtype} elements: ${String(e)}`,
      { cause: e },
    );
  }
  return new Tensor(new Storage(backend, handle, dtype, size), shape, contiguousStrides(shape), 0);
}

/** Operand views as kernels expect them: elementwise broadcast to the output, matmul batch dims. */
function kernelInputs(prim: KernelPrim, inputs: readonly Tensor[], outShape: readonly number[]): View[] {
  const kind = PRIMS[prim].kind;
  if (kind === 'binary' || kind === 'ternary') return inputs.map((t) => viewOf(t, outShape));
  if (kind === 'matmul') {
    const batch = outShape.slice(0, -2);
    return inputs.map((t) => viewOf(t, [...batch, ...t.shape.slice(-2)]));
  }
  return inputs.map((t) => viewOf(t));
}

function runKernel<P extends KernelPrim>(
  prim: P,
  inputs: readonly Tensor[],
  shape: number[],
  dtype: Tensor['dtype'],
  device: Device,
  attrs: PrimAttrs[P],
): Tensor {
  const backend = backendFor(device, prim);
  // Reductions write keepdims layout: their kernel sees the result with the reduced axes kept
  // as size 1, the same contiguous memory as the result's shape (no second tensor for the view).
  const { axes } = attrs as { axes?: number[] };
  const keptShape =
    PRIMS[prim].kind === 'reduce' ? (inputs[0] as Tensor).shape.map((d, i) => (axes?.includes(i) ? 1 : d)) : shape;
  const result = newTensor(backend, dtype, shape, outputNeedsZeros(prim, inputs));
  try {
    // The empty-operand path runs kernels too (scatterAdd's copy): same error handling.
    if (!emptyOperands(prim, inputs, result, attrs)) {
      const live = prim === 'concat' ? inputs.filter((t) => t.size > 0) : inputs;
      const { handle } = result.storage;
      const out: View =
        keptShape === shape
          ? viewOf(result)
          : { handle, dtype, shape: keptShape, strides: contiguousStrides(keptShape), offset: 0 };
      backend.run(prim, kernelInputs(prim, live, keptShape), out, attrs);
    }
  } catch (e) {
    result.dispose();
    if (e instanceof TensorError) throw e;
    throw new TensorError(
      'backend',
      `${prim}: ${device} kernel failed: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  return result;
}

/**
 * Size-0 operands never reach a backend (WebGPU cannot bind empty buffers). Returns true when the
 * output is already complete: it is empty itself, or it is determined by its zero fill (sum,
 * matmul with K = 0) or by a constant (prod of nothing = 1, pad of nothing = the pad value).
 */
function emptyOperands(
  prim: KernelPrim,
  inputs: readonly Tensor[],
  result: Tensor,
  attrs: PrimAttrs[KernelPrim],
): boolean {
  if (result.size === 0) return true;
  if (prim === 'concat') return false; // empty pieces are filtered out; at least one is not empty
  if (!inputs.some((t) => t.size === 0)) return false;
  const x = inputs[0] as Tensor;
  if (prim === 'scatterAdd') {
    // Nothing to add (index and src are empty): the result is a copy of x, which is not empty.
    result.storage.backend.run('contiguous', [viewOf(x)], viewOf(result), {});
    return true;
  }
  if (prim === 'gather') {
    // A non-empty index into an empty axis: every index is out of range (the caller disposes result).
    const { axis } = attrs as PrimAttrs['gather'];
    fail('index', 'gather', `cannot gather from the empty axis ${axis} of ${fmtShape(x.shape)}`);
  }
  const fill = prim === 'prod' ? 1 : prim === 'pad' ? (attrs as PrimAttrs['pad']).value : 0;
  if (fill !== 0) {
    writeConverted(result, new Float64Array(result.size).fill(fill));
  }
  return true;
}

/** Writes float64 `values` into a fresh contiguous tensor's storage, converting to its dtype. */
export function writeConverted(t: Tensor, values: ArrayLike<number>): void {
  const { dtype } = t;
  let data = values;
  if (!(values instanceof ARRAY_TYPES[dtype])) {
    const converted = allocArray(dtype, t.size);
    for (let i = 0; i < converted.length; i++) converted[i] = coerceScalar(values[i] as number, dtype);
    data = converted;
  }
  t.storage.backend.write(t.storage.handle, dtype, data as TypedArray);
}

function makeView(prim: ViewPrim, x: Tensor, shape: number[], attrs: PrimAttrs[ViewPrim]): Tensor {
  switch (prim) {
    case 'reshape': {
      const strides = reshapeStrides(x.shape, x.strides, shape);
      if (strides) return new Tensor(x.storage, shape, strides, x.offset);
      // The layout does not allow a view: copy first (not recorded: reshape is one op to observers).
      const copy = runKernel('contiguous', [x], [...x.shape], x.dtype, x.device, {});
      const view = new Tensor(copy.storage, shape, contiguousStrides(shape), 0);
      copy.dispose();
      return view;
    }
    case 'permute': {
      const { perm } = attrs as PrimAttrs['permute'];
      return new Tensor(
        x.storage,
        shape,
        perm.map((p) => x.strides[p] as number),
        x.offset,
      );
    }
    case 'expand': {
      const lead = shape.length - x.shape.length;
      const strides = shape.map((d, i) => (i < lead || x.shape[i - lead] !== d ? 0 : (x.strides[i - lead] as number)));
      return new Tensor(x.storage, shape, strides, x.offset);
    }
    case 'slice': {
      const { starts, steps } = attrs as PrimAttrs['slice'];
      let offset = x.offset;
      x.strides.forEach((s, i) => {
        offset += (starts[i] as number) * s;
      });
      return new Tensor(
        x.storage,
        shape,
        x.strides.map((s, i) => s * (steps[i] as number)),
        offset,
      );
    }
  }
}

/** A fresh contiguous tensor on `device` filled from `values` (already of the dtype's array type). */
export function fromValues(
  device: Device,
  dtype: Tensor['dtype'],
  shape: readonly number[],
  values?: ArrayLike<number>,
): Tensor {
  // Values for every element overwrite the storage: no zero fill first (a scalar operand per op).
  const whole = values !== undefined && values.length === sizeOf(shape);
  const t = newTensor(backendFor(device, 'tensor'), dtype, [...shape], !whole);
  if (values && t.size > 0) writeConverted(t, values);
  return t;
}
