/** A tensor's identity for error messages: shape, dtype and device, never its values. */
import type { Tensor } from '@webgrad/tensor';

/** @example describeTensor(zeros([2, 3])) // 'Tensor([2, 3], float32, cpu)' */
export function describeTensor(t: Tensor): string {
  return `Tensor([${t.shape.join(', ')}], ${t.dtype}, ${t.isDisposed ? 'disposed' : t.device})`;
}
