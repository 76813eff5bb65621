/**
 * Every error the library raises on bad input is a TensorError with a `kind`, so callers can
 * branch on it, and a message that names the op and the offending shapes, dtypes or devices.
 */
export type TensorErrorKind =
  | 'shape' // incompatible or invalid shapes, axes, slices
  | 'dtype' // unsupported or mismatched dtypes
  | 'device' // operands on different devices, a dtype a device cannot hold, no adapter
  | 'disposed' // use after dispose()
  | 'index' // out-of-range gather/scatter indices
  | 'value' // invalid argument values (e.g. a negative size, bad options)
  | 'state' // an object in the wrong state for the call (a merged adapter, an optimizer without gradients)
  | 'backend'; // a backend failure: WebGPU validation, out-of-memory, device lost

/** The error every op raises on bad input: `kind` says what is wrong, the message names the op and the shapes, dtypes or devices. */
export class TensorError extends Error {
  readonly kind: TensorErrorKind;
  constructor(kind: TensorErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TensorError';
    this.kind = kind;
  }
}

export function fail(kind: TensorErrorKind, op: string, detail: string): never {
  throw new TensorError(kind, `${op}: ${detail}`);
}

/** `[2,3]` rather than `2,3` in messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
