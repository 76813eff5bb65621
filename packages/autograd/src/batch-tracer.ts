/**
 * The tensor that user code sees inside `vmap`: one example of a batch. Its `shape` is the
 * per-example shape; the whole batch lives in `physical`, with the batch along axis `bdim`.
 * Ops on it are claimed by its vmap level's interpreter (vmap.ts), which runs the primitive's
 * batching rule (batching-rules.ts) on `physical`. Its values cannot be read: inside vmap there is
 * no single example to read, only the batch being traced.
 */
import { type Device, interpreterOf, type NestedArray, Tensor, TensorError, type TypedArray } from '@webgrad/tensor';

function without<T>(xs: readonly T[], i: number): T[] {
  return xs.filter((_, k) => k !== i);
}

/** The storage under a (possibly nested) tracer: that of the plain tensor at the bottom. */
function rootStorage(t: Tensor): Tensor['storage'] {
  let root = t;
  while (root instanceof BatchTracer) root = root.physical;
  return root.storage;
}

/** A tensor inside `vmap`: it has the per-example shape, and holds the whole batch (`physical`, batched along `bdim`) underneath. Its values cannot be read inside the vmapped function. */
export class BatchTracer extends Tensor {
  /** tidy() and keep() keep the batch alive as long as this tracer (memory.ts). */
  readonly heldTensors: readonly Tensor[];

  /**
   * @param physical the whole batch (a plain tensor, or a tracer of an enclosing vmap)
   * @param bdim the batch axis of `physical`
   * @param level the vmap level this tracer belongs to (ids from tape.ts's openLevel)
   */
  constructor(
    readonly physical: Tensor,
    readonly bdim: number,
    readonly level: number,
  ) {
    super(rootStorage(physical), without(physical.shape, bdim), without(physical.strides, bdim), physical.offset);
    this.heldTensors = [physical];
  }

  /** The batch size. */
  get batchSize(): number {
    return this.physical.shape[this.bdim] as number;
  }

  override get device(): Device {
    return this.physical.device;
  }

  /** Reached when code reads a tracer's memory, or runs a kernel on it after its vmap returned. */
  override get storage(): Tensor['storage'] {
    if (interpreterOf([this])) this.cannotRead('its storage');
    throw new TensorError(
      'value',
      `vmap: ${this.toString()} escaped the vmap that made it (it was stored and used after that vmap returned); return it from the vmapped function instead`,
    );
  }

  private cannotRead(method: string): never {
    throw new TensorError(
      'value',
      `vmap: cannot read values inside vmap (${method} on ${this.toString()}): the function is traced once for the whole batch; return the tensor from the vmapped function and read the batched result`,
    );
  }

  override data(): Promise<TypedArray> {
    this.cannotRead('data()');
  }
  override dataSync(): TypedArray {
    this.cannotRead('dataSync()');
  }
  override array(): Promise<NestedArray> {
    this.cannotRead('array()');
  }
  override arraySync(): NestedArray {
    this.cannotRead('arraySync()');
  }
  override item(): Promise<number> {
    this.cannotRead('item()');
  }
  override to(_device: Device): Promise<Tensor> {
    this.cannotRead('to()');
  }
  override assign(_value: Tensor): this {
    throw new TensorError(
      'value',
      `vmap: cannot assign to ${this.toString()} inside vmap (tensors there are immutable)`,
    );
  }

  override toString(): string {
    const shape = `[${this.shape.join(', ')}]`;
    return `BatchTracer(${shape} per example, ${this.dtype}, batch of ${this.batchSize} on axis ${this.bdim} at level ${this.level})`;
  }
}
