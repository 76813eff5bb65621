/**
 * The packages install from tarballs into another project: every file that package.json points
 * at (main, types, and every condition of exports and imports, `source` included) is inside
 * `files`, and `npm pack --dry-run` lists it. Dependencies between the packages use pnpm's
 * `workspace:*`, which `pnpm pack` rewrites to the version (the README says to pack with pnpm).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = ['tensor', 'autograd', 'nn', 'abba'];

/** Every string leaf of an exports/imports map (the files it can resolve to). */
function targets(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(targets);
  return [];
}

describe.each(PACKAGES)('@webgrad/%s', (name) => {
  const dir = join(ROOT, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const referenced = [pkg.main, pkg.types, ...targets(pkg.exports), ...targets(pkg.imports)]
    .filter((p): p is string => typeof p === 'string')
    .map((p) => p.replace(/^\.\//, ''));

  it('points only at files inside `files`, with main and types for older resolvers', () => {
    expect(pkg.main).toBe('./dist/index.js');
    expect(pkg.types).toBe('./dist/index.d.ts');
    const files: string[] = pkg.files;
    const outside = referenced.filter((p) => !files.some((f) => p === f || p.startsWith(`${f}/`)));
    expect(outside).toEqual([]);
  });

  it('npm pack --dry-run lists every referenced file that exists (src always; dist after a build)', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const listed = new Set<string>((JSON.parse(out)[0].files as { path: string }[]).map((f) => f.path));
    const present = referenced.filter((p) => existsSync(join(dir, p)));
    expect(present.filter((p) => p.startsWith('src/')).length).toBeGreaterThan(0);
    expect(present.filter((p) => !listed.has(p))).toEqual([]);
    expect([...listed].some((p) => p.startsWith('test/'))).toBe(false);
  });
});
