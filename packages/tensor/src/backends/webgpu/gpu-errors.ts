/**
 * Turning WebGPU's asynchronous errors into TensorErrors. dawn.node only prints a validation
 * error as a warning and carries on with garbage, so every pipeline creation and submission
 * runs inside error scopes; what they catch (and any `uncapturederror` or device loss) is kept
 * here, attached to the tensors it spoiled, and thrown at the latest at the next readback.
 */
import { TensorError } from '../../errors.js';
import type { GpuHandle } from './buffers.js';

export class ErrorTracker {
  /** Outstanding scopes, in the order they were opened (so causes are reported before effects). */
  private readonly pending: Promise<TensorError | undefined>[] = [];
  private readonly unreported: TensorError[] = [];
  private lost: TensorError | undefined;

  constructor(device: GPUDevice) {
    device.addEventListener('uncapturederror', (ev) => {
      const e = (ev as GPUUncapturedErrorEvent).error;
      this.report(new TensorError('backend', `webgpu: uncaptured ${e.constructor.name}: ${e.message}`));
    });
    device.lost.then((info) => {
      if (info.reason === 'destroyed') return;
      this.lost = new TensorError('backend', `webgpu: device lost (${info.reason}): ${info.message}`);
    });
  }

  /** Opens validation and out-of-memory scopes; pair with `close`. */
  open(device: GPUDevice): void {
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
  }

  /**
   * Closes the scopes `open` pushed. An error they caught is described by `describe()`, marks
   * the `spoiled()` handles, and is thrown by the next `settle()`.
   */
  close(
    device: GPUDevice,
    describe: () => string,
    spoiled: () => readonly GpuHandle[],
    onError?: (e: TensorError) => void,
  ): void {
    const scopes = [device.popErrorScope(), device.popErrorScope()];
    this.pending.push(
      Promise.all(scopes).then((errors) => {
        const e = errors.find((x) => x);
        if (!e) return undefined;
        const kind = e.constructor.name === 'GPUOutOfMemoryError' ? 'out of memory' : 'validation failed';
        const err = new TensorError('backend', `${describe()}: webgpu ${kind}: ${e.message.trim()}`);
        for (const h of spoiled()) h.error ??= err;
        onError?.(err);
        return err;
      }),
    );
  }

  /** Runs `fn` inside its own scopes (see `open`/`close`). */
  scoped<T>(device: GPUDevice, fn: () => T, describe: () => string, onError?: (e: TensorError) => void): T {
    this.open(device);
    try {
      return fn();
    } finally {
      this.close(device, describe, () => [], onError);
    }
  }

  private report(e: TensorError): void {
    this.unreported.push(e);
  }

  /** Throws synchronously once the device is lost. */
  checkAlive(op: string): void {
    if (this.lost) throw new TensorError('backend', `${op}: ${this.lost.message}`);
  }

  /** Waits for every outstanding scope; then throws the first error not yet reported. */
  async settle(): Promise<void> {
    while (this.pending.length > 0) {
      for (const e of await Promise.all(this.pending.splice(0))) if (e) this.report(e);
    }
    if (this.lost) throw this.lost;
    const first = this.unreported[0];
    if (first) {
      const more = this.unreported.length - 1;
      this.unreported.length = 0;
      if (more > 0) first.message += ` (and ${more} more WebGPU error${more > 1 ? 's' : ''})`;
      throw first;
    }
  }
}
