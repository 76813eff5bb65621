/**
 * Tensor: a strided view (shape, strides, offset) onto reference-counted backend storage.
 * Methods are thin: each calls one function in `ops/`, which goes through `dispatch`.
 */
import type { Device } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { describeTensor, formatTensor, formatTensorAsync } from './format.js';
import { guard, handToNet, unguard } from './gc-net.js';
import { type Storage, trackInScope } from './memory.js';
import * as ops from './ops/index.js';
import { isContiguous, type Shape, shapesEqual, sizeOf } from './shape.js';

/** Nested JavaScript arrays of numbers (or booleans for bool tensors), as `array()` returns them. */
export type NestedArray = number | boolean | NestedArray[];
export type Scalar = number;
/** A tensor, or a number that ops turn into a 0-d tensor of the other operand's dtype. */
export type TensorLike = Tensor | number;
/** One axis or several; negative axes count from the end. */
export type Axis = number | readonly number[];

let nextId = 0;

/**
 * An n-d array: a strided view (shape, strides, offset) onto reference-counted backend storage,
 * with a dtype and a device. Make tensors with `tensor()`, `zeros()`, `randn()`, ... or ops; free
 * them with `dispose()` or `tidy()`.
 * @example
 *   const t = tensor([[1, 2], [3, 4]]);
 *   console.log(t.shape, String(t.matmul(t.transpose())));
 */
export class Tensor {
  /** Unique per tensor object (views get their own id). */
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
  /** Set by `@webgrad/autograd` conventions: whether optimizers and `backward()` track this tensor. */
  requiresGrad = false;
  /** Filled by `@webgrad/autograd`'s `backward(loss)`; free for users to clear. */
  grad: Tensor | undefined = undefined;
  /** @internal `@webgrad/autograd`'s record of the op that made this tensor (see its tape.ts). */
  tapeNode: unknown = undefined;
  private _storage: Storage | undefined;
  private readonly _size: number;
  /** In the GC net (once no tidy scope holds it; see leftScopes): 0 no, 1 queued, 2 registered. */
  private guarded: 0 | 1 | 2 = 0;
  private _version = 0;

  /** Internal: use `tensor()`, `zeros()`, ... or ops to make tensors. */
  constructor(storage: Storage, shape: Shape, strides: Shape, offset: number) {
    this._storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
    this.dtype = storage.dtype;
    this._size = sizeOf(shape);
    storage.retain();
    storage.stats.tensors++;
    if (!trackInScope(this)) this.leftScopes();
  }

  /** @internal Called by tidy scopes: no scope holds this tensor now, so the GC safety net must. */
  leftScopes(): void {
    const s = this._storage;
    if (!s || this.guarded) return;
    this.guarded = 1;
    handToNet(this, s.bytes);
  }
  /** @internal Called by the GC net's queue (gc-net.ts): a queued tensor still alive is guarded. */
  registerWithNet(): void {
    if (this.guarded !== 1 || !this._storage) return;
    this.guarded = 2;
    guard(this, this._storage);
  }

  get device(): Device {
    return this.storage.backend.device;
  }
  get size(): number {
    return this._size;
  }
  get ndim(): number {
    return this.shape.length;
  }
  get isDisposed(): boolean {
    return this._storage === undefined;
  }
  /**
   * How many times `assign` changed this tensor's values (PyTorch's `_version`). Autograd saves
   * it with the tensors a backward rule reads and raises if it has moved on by then. Views do not
   * share it: assign rebinds this tensor to new storage, so views keep the old values.
   */
  get version(): number {
    return this._version;
  }
  get isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }
  /** The backend storage; throws a `disposed` TensorError after dispose(). */
  get storage(): Storage {
    if (!this._storage)
      fail('disposed', 'tensor', `tensor #${this.id} ${fmtShape(this.shape)} ${this.dtype} was disposed`);
    return this._storage;
  }

  /**
   * Frees this tensor's hold on its storage now (views keep the storage alive), and disposes its
   * `.grad` too: take the gradient out first (`const g = t.grad; t.grad = undefined`) to keep it.
   * A `.grad` that an ending `tidy` returns survives its tensor. Idempotent.
   */
  dispose(survivors?: ReadonlySet<unknown>): void {
    const s = this._storage;
    if (!s) return;
    const g = this.grad;
    this.grad = undefined;
    if (g && g !== this && !survivors?.has(g)) g.dispose();
    if (this.guarded === 2) unguard(this);
    this.guarded = 0;
    s.stats.tensors--;
    this._storage = undefined;
    s.release();
  }

  /**
   * In-place update for optimizers and loaders: this tensor takes `value`'s storage (same shape,
   * dtype and device), keeping its identity so modules and optimizer state that hold it stay
   * valid. Not recorded by autograd: use it outside any graph you still need (e.g. after
   * backward, inside noGrad); it bumps `version`, so a backward that still needs the old values
   * raises instead of using the new ones. `value` stays usable; dispose it if no longer needed.
   * @example param.assign(param.sub(param.grad!.mul(lr)));
   */
  assign(value: Tensor): this {
    if (value === this) return this;
    if (value.dtype !== this.dtype || value.device !== this.device || !shapesEqual(value.shape, this.shape)) {
      fail('shape', 'assign', `cannot assign ${describeTensor(value)} to ${describeTensor(this)}`);
    }
    const old = this.storage;
    const next = value.storage;
    next.retain();
    this._storage = next;
    const self = this as { strides: readonly number[]; offset: number };
    self.strides = value.strides;
    self.offset = value.offset;
    if (this.guarded === 2) {
      unguard(this);
      guard(this, next);
    }
    this._version++;
    old.release();
    return this;
  }

  /** NumPy-style text with the view's values (`...` past 1000 elements); WebGPU: see `print()`. */
  toString(): string {
    return formatTensor(this);
  }
  /** What `console.log(t)` shows in Node (util.inspect), the same as `String(t)`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  /** Logs the values on any device (reads back only the elements shown). */
  async print(): Promise<void> {
    console.log(await formatTensorAsync(this));
  }

  // ---- reading ---------------------------------------------------------------------------------
  /** The elements in row-major order, as a fresh typed array of the dtype. */
  data(): Promise<TypedArray> {
    return ops.readData(this);
  }
  /** Synchronous `data()`; CPU tensors only (a `device` TensorError elsewhere). */
  dataSync(): TypedArray {
    return ops.readDataSync(this);
  }
  /** Nested JS arrays (bools as booleans). */
  array(): Promise<NestedArray> {
    return ops.readArray(this);
  }
  /** Synchronous `array()`; CPU tensors only. */
  arraySync(): NestedArray {
    return ops.toNested(this.dtype, this.shape, ops.readDataSync(this, 'arraySync'));
  }
  /** The value of a one-element tensor, read back (any device). */
  item(): Promise<number> {
    return ops.readItem(this);
  }
  /** Synchronous `item()`; CPU tensors only. @example console.log(loss.itemSync()) */
  itemSync(): number {
    if (this.size !== 1) fail('shape', 'itemSync', `needs exactly one element, got shape ${fmtShape(this.shape)}`);
    return ops.readDataSync(this, 'itemSync')[0] as number;
  }
  /** A copy on `device` (the same tensor if it already lives there). */
  to(device: Device): Promise<Tensor> {
    return ops.toDevice(this, device);
  }

  // ---- elementwise -------------------------------------------------------------------------------
  /** Elementwise this + b, broadcasting (NumPy rules) and promoting dtypes. */
  add(b: TensorLike): Tensor {
    return ops.add(this, b);
  }
  /** Elementwise this - b, broadcasting. */
  sub(b: TensorLike): Tensor {
    return ops.sub(this, b);
  }
  /** Elementwise this * b, broadcasting. */
  mul(b: TensorLike): Tensor {
    return ops.mul(this, b);
  }
  /** Elementwise true division this / b, broadcasting (integers divide into float32). */
  div(b: TensorLike): Tensor {
    return ops.div(this, b);
  }
  /** Elementwise this ** b, broadcasting. */
  pow(b: TensorLike): Tensor {
    return ops.pow(this, b);
  }
  /** Python's `//` (rounds toward -infinity). */
  floorDiv(b: TensorLike): Tensor {
    return ops.floorDiv(this, b);
  }
  /** Python's `%` (takes the divisor's sign). */
  remainder(b: TensorLike): Tensor {
    return ops.remainder(this, b);
  }
  /** Elementwise maximum of this and b (NaN wins), broadcasting. */
  maximum(b: TensorLike): Tensor {
    return ops.maximum(this, b);
  }
  /** Elementwise minimum of this and b (NaN wins), broadcasting. */
  minimum(b: TensorLike): Tensor {
    return ops.minimum(this, b);
  }
  /** Elementwise -this. */
  neg(): Tensor {
    return ops.neg(this);
  }
  /** Elementwise e^x. */
  exp(): Tensor {
    return ops.exp(this);
  }
  /** Elementwise natural logarithm. */
  log(): Tensor {
    return ops.log(this);
  }
  /** Elementwise square root. */
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  /** Elementwise 1 / sqrt(x). */
  rsqrt(): Tensor {
    return ops.rsqrt(this);
  }
  /** Elementwise x * x. */
  square(): Tensor {
    return ops.square(this);
  }
  /** Elementwise 1 / x. */
  reciprocal(): Tensor {
    return ops.reciprocal(this);
  }
  /** Elementwise |x|. */
  abs(): Tensor {
    return ops.abs(this);
  }
  /** Elementwise -1, 0 or 1 in this dtype (derivative 0). */
  sign(): Tensor {
    return ops.sign(this);
  }
  /** Elementwise sine. */
  sin(): Tensor {
    return ops.sin(this);
  }
  /** Elementwise cosine. */
  cos(): Tensor {
    return ops.cos(this);
  }
  /** Elementwise hyperbolic tangent. */
  tanh(): Tensor {
    return ops.tanh(this);
  }
  /** Elementwise error function. */
  erf(): Tensor {
    return ops.erf(this);
  }
  /** Elementwise 1 / (1 + e^-x). */
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  /** Elementwise max(x, 0) (NaN stays NaN; gradient 0 at 0). */
  relu(): Tensor {
    return ops.relu(this);
  }
  /** GELU, exact (erf, the default) or with GPT-2's tanh approximation. */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return ops.gelu(this, approximate);
  }
  /** Elementwise log(1 + e^x), computed stably. */
  softplus(): Tensor {
    return ops.softplus(this);
  }
  /** Elementwise x * sigmoid(x) (swish). */
  silu(): Tensor {
    return ops.silu(this);
  }
  /** Clamps into [min, max]; either bound may be omitted. */
  clip(min?: number, max?: number): Tensor {
    return ops.clip(this, min, max);
  }
  /** The same as `clip` (PyTorch's name). */
  clamp(min?: number, max?: number): Tensor {
    return ops.clip(this, min, max);
  }
  /** Elementwise largest integer <= x. */
  floor(): Tensor {
    return ops.floor(this);
  }
  /** Elementwise smallest integer >= x. */
  ceil(): Tensor {
    return ops.ceil(this);
  }
  /** Half to even, as NumPy and PyTorch. */
  round(): Tensor {
    return ops.round(this);
  }
  /** Elementwise rounding toward zero. */
  trunc(): Tensor {
    return ops.trunc(this);
  }
  /** Bool tensor: where x is NaN. */
  isnan(): Tensor {
    return ops.isnan(this);
  }
  /** Bool tensor: where x is +-Infinity. */
  isinf(): Tensor {
    return ops.isinf(this);
  }
  /** Bool tensor: where x is neither NaN nor infinite. */
  isfinite(): Tensor {
    return ops.isfinite(this);
  }
  /** A copy converted to `dtype` (float to int32 truncates toward zero and saturates). */
  cast(dtype: DType): Tensor {
    return ops.cast(this, dtype);
  }

  /** Bool tensor: this == b, broadcasting. */
  eq(b: TensorLike): Tensor {
    return ops.eq(this, b);
  }
  /** Bool tensor: this != b, broadcasting. */
  ne(b: TensorLike): Tensor {
    return ops.ne(this, b);
  }
  /** Bool tensor: this < b, broadcasting. */
  lt(b: TensorLike): Tensor {
    return ops.lt(this, b);
  }
  /** Bool tensor: this <= b, broadcasting. */
  le(b: TensorLike): Tensor {
    return ops.le(this, b);
  }
  /** Bool tensor: this > b, broadcasting. */
  gt(b: TensorLike): Tensor {
    return ops.gt(this, b);
  }
  /** Bool tensor: this >= b, broadcasting. */
  ge(b: TensorLike): Tensor {
    return ops.ge(this, b);
  }
  /** Bool tensor: elementwise not (nonzero counts as true). */
  logicalNot(): Tensor {
    return ops.logicalNot(this);
  }

  // ---- reductions --------------------------------------------------------------------------------
  /** Sum over `axis` (all elements when omitted); `keepdims` keeps reduced axes as size 1. */
  sum(axis?: Axis, keepdims = false): Tensor {
    return ops.sum(this, axis, keepdims);
  }
  /** Mean over `axis` (all elements when omitted). */
  mean(axis?: Axis, keepdims = false): Tensor {
    return ops.mean(this, axis, keepdims);
  }
  /** Maximum over `axis` (all elements when omitted); NaN wins. */
  max(axis?: Axis, keepdims = false): Tensor {
    return ops.max(this, axis, keepdims);
  }
  /** Minimum over `axis` (all elements when omitted); NaN wins. */
  min(axis?: Axis, keepdims = false): Tensor {
    return ops.min(this, axis, keepdims);
  }
  /** Product over `axis` (all elements when omitted). */
  prod(axis?: Axis, keepdims = false): Tensor {
    return ops.prod(this, axis, keepdims);
  }
  /** Variance over `axis`, dividing by n - correction (default 0: the population variance). */
  var(axis?: Axis, keepdims = false, correction = 0): Tensor {
    return ops.variance(this, axis, keepdims, correction);
  }
  /** log(sum(exp(x))) over `axis`, computed stably. */
  logsumexp(axis?: Axis, keepdims = false): Tensor {
    return ops.logsumexp(this, axis, keepdims);
  }
  /** int32 index of the first maximum along `axis` (of the flattened tensor when omitted). */
  argmax(axis?: number, keepdims = false): Tensor {
    return ops.argmax(this, axis, keepdims);
  }
  /** int32 index of the first minimum along `axis` (of the flattened tensor when omitted). */
  argmin(axis?: number, keepdims = false): Tensor {
    return ops.argmin(this, axis, keepdims);
  }
  /** exp(x) normalised to sum to 1 along `axis` (default the last), computed stably. */
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  /** x - logsumexp(x) along `axis` (default the last). */
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  /** Standard deviation over `axis`: the square root of `var` with the same correction. */
  std(axis?: Axis, keepdims = false, correction = 0): Tensor {
    return ops.std(this, axis, keepdims, correction);
  }
  /** Vector p-norm over `axis` (all elements when omitted); p = 2 by default, also 1 and +-Infinity. */
  norm(p = 2, axis?: Axis, keepdims = false): Tensor {
    return ops.norm(this, p, axis, keepdims);
  }
  /** Running sum along `axis` (of the flattened tensor when omitted). */
  cumsum(axis?: number): Tensor {
    return ops.cumsum(this, axis);
  }
  /** Running product along `axis` (of the flattened tensor when omitted). */
  cumprod(axis?: number): Tensor {
    return ops.cumprod(this, axis);
  }
  /** The values sorted along `axis` (NumPy); `argsort` gives the positions. */
  sort(axis = -1, options?: ops.SortOptions): Tensor {
    return ops.sort(this, axis, options);
  }
  /** int32 positions that sort the values along `axis` (default the last). */
  argsort(axis = -1, options?: ops.SortOptions): Tensor {
    return ops.argsort(this, axis, options);
  }
  /** The k largest values along `axis` and their int32 positions, in sorted order (torch.topk). */
  topk(k: number, axis = -1, options?: ops.TopkOptions): { values: Tensor; indices: Tensor } {
    return ops.topk(this, k, axis, options);
  }

  // ---- shape -------------------------------------------------------------------------------------
  /** Matrix product with NumPy's matmul rules (batched over leading axes, which broadcast). */
  matmul(b: Tensor): Tensor {
    return ops.matmul(this, b);
  }
  /** The same elements in a new shape (one -1 is inferred); a view when the layout allows. */
  reshape(...shape: number[] | [readonly number[]]): Tensor {
    return ops.reshape(this, flatArgs(shape));
  }
  /** No arguments: reverse the axes (matrix transpose for 2-d). */
  transpose(...perm: number[]): Tensor {
    return ops.transpose(this, perm.length ? perm : undefined);
  }
  /** Reorders the axes (a view): axis i of the result is axis perm[i] of this. */
  permute(...perm: number[]): Tensor {
    return ops.transpose(this, perm);
  }
  /** Swaps the last two axes. */
  get mT(): Tensor {
    return ops.swapAxes(this, -1, -2);
  }
  /** Swaps axes `a` and `b` (a view). */
  swapAxes(a: number, b: number): Tensor {
    return ops.swapAxes(this, a, b);
  }
  /** Broadcasts to `shape` without copying (stride 0 on broadcast axes; -1 keeps a size). */
  expand(...shape: number[] | [readonly number[]]): Tensor {
    return ops.expand(this, flatArgs(shape));
  }
  /** The same as `expand` (NumPy's name). */
  broadcastTo(shape: readonly number[]): Tensor {
    return ops.expand(this, shape);
  }
  /** One `[start, stop, step]` (or a number index, which keeps the axis) per leading axis. */
  slice(...ranges: ops.SliceArg[]): Tensor {
    return ops.slice(this, ranges);
  }
  /** Drops size-1 axes (all of them, or those in `axis`): a view. */
  squeeze(axis?: Axis): Tensor {
    return ops.squeeze(this, axis);
  }
  /** Inserts a size-1 axis at `axis`: a view. */
  unsqueeze(axis: number): Tensor {
    return ops.unsqueeze(this, axis);
  }
  /** Merges axes startAxis..endAxis (default all) into one. */
  flatten(startAxis = 0, endAxis = -1): Tensor {
    return ops.flatten(this, startAxis, endAxis);
  }
  /** This tensor in row-major layout: itself when already contiguous, else a copy. */
  contiguous(): Tensor {
    return ops.contiguous(this);
  }
  /** Constant padding: `widths[i] = [before, after]` for axis i. */
  pad(widths: readonly (readonly [number, number])[], value = 0): Tensor {
    return ops.pad(this, widths, value);
  }
  /** NumPy take_along_axis: `index` (int32) has this rank and matches this off `axis`. */
  gather(index: Tensor, axis: number): Tensor {
    return ops.gather(this, index, axis);
  }
  /** NumPy take: the slices at `index` (any shape) along `axis` (an embedding lookup for axis 0). */
  take(index: Tensor, axis = 0): Tensor {
    return ops.take(this, index, axis);
  }
  /** A copy with its own storage. */
  clone(): Tensor {
    return ops.clone(this);
  }
  /** torch.split: views of the given size (or sizes) along `axis`. */
  split(sizeOrSections: number | readonly number[], axis = 0): Tensor[] {
    return ops.split(this, sizeOrSections, axis);
  }
  /** torch.chunk: at most `chunks` views of equal size along `axis`. */
  chunk(chunks: number, axis = 0): Tensor[] {
    return ops.chunk(this, chunks, axis);
  }
  /** Reverses the elements along `axis` (every axis when omitted), as a view. */
  flip(axis?: Axis): Tensor {
    return ops.flip(this, axis);
  }
}

function flatArgs(args: number[] | [readonly number[]]): readonly number[] {
  const [first] = args;
  return Array.isArray(first) ? first : (args as number[]);
}
