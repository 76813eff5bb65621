/**
 * Row drivers: `<name>_rows(...params, rows, step_0, ..., step_(p-1))` calls the row kernel
 * `name` once per row, advancing its p pointer parameters by their byte steps after each row.
 * A strided walk with many short rows (attention's [64, 4, 11, 11], a LayerNorm's [704, 32]
 * minus a column of means) then costs one call from JS per op instead of one per row, which
 * cost about a microsecond each.
 */
import type { ModuleBuilder } from './module-builder.js';
import { OP } from './opcodes.js';

/**
 * Emits the driver of row kernel `fn` (function index) named `name`, which takes `params` i32
 * parameters of which `pointers` (parameter indices) are byte addresses that move per row.
 */
export function emitRowsDriver(
  m: ModuleBuilder,
  name: string,
  fn: number,
  params: number,
  pointers: readonly number[],
): void {
  const all = Array.from({ length: params + 1 + pointers.length }, () => 'i32' as const);
  m.func(`${name}_rows`, all, [], (c) => {
    const rows = params;
    const r = c.local('i32');
    c.forRange(
      r,
      () => c.i32(0),
      () => c.get(rows),
      1,
      () => {
        for (let p = 0; p < params; p++) c.get(p);
        c.call(fn);
        pointers.forEach((p, k) => {
          c.get(p)
            .get(rows + 1 + k)
            .op(OP.i32Add)
            .set(p);
        });
      },
    );
  });
}
