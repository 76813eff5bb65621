/** Loop shapes shared by the kernel generators. */
import type { Code } from './module-builder.js';
import { OP } from './opcodes.js';

/**
 * `for (i = from(); i < end; i += step) body()` over byte addresses or offsets in locals, with
 * an unsigned compare (so addresses past 2 GiB are fine); `end` is a local.
 */
export function forBytes(c: Code, i: number, from: () => void, end: number, step: number, body: () => void): void {
  from();
  c.set(i);
  c.block(() =>
    c.loop(() => {
      c.get(i).get(end).op(OP.i32GeU).brIf(1);
      body();
      c.get(i).i32(step).op(OP.i32Add).set(i).br(0);
    }),
  );
}
