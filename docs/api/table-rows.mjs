// A TypeDoc plugin for the tables keyed by primitive (PRIMS, RULES, JVP_RULES, BATCH_RULES):
// their rows are object-literal members, one per primitive, which TypeDoc would otherwise
// require a comment on each. The table itself is documented (and validated); each row is
// described as what it is, "the row of primitive p".
import { Comment, Converter, ReflectionKind } from 'typedoc';

const TABLES = new Set(['PRIMS', 'RULES', 'JVP_RULES', 'BATCH_RULES']);

/** The table variable and the primitive's row this reflection belongs to, if any. */
function rowOf(reflection) {
  let row;
  for (let r = reflection; r; r = r.parent) {
    if (r.kindOf(ReflectionKind.Variable) && TABLES.has(r.name)) return row ? { table: r.name, row } : undefined;
    if (r.kindOf(ReflectionKind.Property) && r.parent?.parent?.kindOf(ReflectionKind.Variable)) row = r;
  }
  return undefined;
}

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    for (const reflection of Object.values(context.project.reflections)) {
      if (reflection.hasComment()) continue;
      const found = rowOf(reflection);
      if (!found) continue;
      const what = reflection === found.row ? 'The row' : `\`${reflection.name}\` of the row`;
      const text = `${what} of primitive \`${found.row.name}\` in \`${found.table}\` (one row per primitive).`;
      reflection.comment = new Comment([{ kind: 'text', text }]);
    }
  });
}
