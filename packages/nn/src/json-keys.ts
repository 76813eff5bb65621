/**
 * JSON.parse keeps the last of two equal keys without a word; a safetensors header with a
 * duplicate tensor name must be rejected by name instead (its first entry's bytes would
 * otherwise show up as an unexplained gap). This scans the top-level object's keys only.
 */

/**
 * The first key that appears twice at the top level of the JSON object `text`, if any.
 * Assumes `text` is valid JSON (call it after JSON.parse succeeded).
 * @example duplicateTopLevelKey('{"a":1,"b":{"a":2},"a":3}') // 'a'
 */
export function duplicateTopLevelKey(text: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (c === '"') {
      const start = i;
      for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      if (depth !== 1) continue;
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j] as string)) j++;
      if (text[j] !== ':') continue; // a value, not a key
      const key = JSON.parse(text.slice(start, i + 1)) as string;
      if (seen.has(key)) return key;
      seen.add(key);
    }
  }
  return undefined;
}
