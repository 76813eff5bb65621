/** What the PEFT formats share: tensor key names, target-module JSON, per-module patterns. */
import { type Tensor, TensorError } from '@webgrad/tensor';
import type { TargetModules } from '../config.js';

/** PEFT saves the wrapped model's state dict: keys start with the PeftModel's own prefix. */
export const PEFT_PREFIX = 'base_model.model.';

/**
 * targetModules as PEFT's `target_modules`: names stay a list (PEFT and webgrad both match a path
 * equal to a name or ending with `.<name>`); a RegExp becomes PEFT's string form, which PEFT
 * matches against the whole path (re.fullmatch), so ours (a search) is wrapped in `.*(?:...).*`.
 */
export function targetsToPeft(t: TargetModules | undefined): string[] | string | null {
  if (t === undefined) return null;
  if (t instanceof RegExp) return `.*(?:${t.source}).*`;
  return typeof t === 'string' ? [t] : [...t];
}

/** PEFT's `target_modules` (or `exclude_modules`) as TargetModules; a string is a full match. */
export function targetsFromPeft(t: unknown, option: string, source: string): TargetModules | undefined {
  if (t === null || t === undefined) return undefined;
  if (typeof t === 'string') return new RegExp(`^(?:${t})$`);
  if (Array.isArray(t) && t.every((s) => typeof s === 'string')) return t as string[];
  throw new TensorError(
    'value',
    `loadAdapter: ${source}: ${option} must be a string or a list of strings, got ${JSON.stringify(t)}`,
  );
}

/** `path` with regular-expression syntax escaped, so it matches only itself (PEFT pattern keys are regular expressions). */
export function exactKey(path: string): string {
  return path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Per-module values as a PEFT pattern: every module whose value differs from `global`, keyed by
 * its exact path, so the file holds each module's value however it came about.
 */
export function patternOf(
  layers: readonly (readonly [string, unknown])[],
  valueAt: (path: string) => number,
  global: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [path] of layers) {
    const v = valueAt(path);
    if (v !== global) out[exactKey(path)] = v;
  }
  return out;
}

/** A PEFT-style number-valued pattern option, checked. */
export function patternFromPeft(v: unknown, option: string, source: string): Record<string, number> | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v as object).every((x) => typeof x === 'number'))
    throw new TensorError(
      'value',
      `loadAdapter: ${source}: ${option} must map module names to numbers, got ${JSON.stringify(v)}`,
    );
  return v as Record<string, number>;
}

/** `tensors[key]` if it has `shape` (recorded as used); otherwise a problem is noted. */
export function take(
  tensors: Record<string, Tensor>,
  key: string,
  shape: readonly number[],
  problems: string[],
  used: Set<string>,
): Tensor | undefined {
  const v = tensors[key];
  if (!v) {
    problems.push(`missing tensor ${key} (expected [${shape.join(', ')}])`);
    return undefined;
  }
  used.add(key);
  if (v.shape.join() !== shape.join()) {
    problems.push(`shape of ${key}: the model needs [${shape.join(', ')}], the file has [${v.shape.join(', ')}]`);
    return undefined;
  }
  return v;
}
