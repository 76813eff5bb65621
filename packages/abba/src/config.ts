/**
 * Adapter configuration: what `applyAdapter` accepts, its validation, and the scaling rules.
 *
 * ABBA (Singhal et al., 2025, arXiv 2505.14238) parameterises the update of a frozen W0 (m x n) as
 *   dW = s (B1 A1) ⊙ (B2 A2),  B1: m x r1, A1: r1 x n, B2: m x r2, A2: r2 x n          (Eq. 2)
 * with (r1 + r2)(m + n) trainable parameters and rank(dW) <= r1 r2. The paper (§3.3) shows that
 * s ∈ Θ(1 / sqrt(r1 r2)) keeps the update's scale stable as ranks grow (the rsLoRA argument
 * applied to the effective rank r1 r2); the released code instead uses s = sqrt(alpha1) sqrt(alpha2)
 * with no rank term. The two are the same number when alpha = sqrt(alpha1 alpha2 r1 r2).
 */
import { TensorError } from '@webgrad/tensor';

/** The adapter methods behind one interface. */
export type AdapterMethod = 'abba' | 'lora' | 'hira';

/**
 * Which Linear modules to adapt, by dotted module path (e.g. `blocks.0.attn.cAttn`):
 * - a name or list of names: a path matches when it equals a name or ends with `.${name}`
 *   (PEFT's suffix rule), so `'cProj'` matches both the attention and the MLP output projection;
 * - a RegExp: a path matches when `regex.test(path)` (anchor it yourself for a full match).
 */
export type TargetModules = string | readonly string[] | RegExp;

/**
 * ABBA scaling conventions:
 * - `'rank'` (default, the paper's §3.3): s = alpha / sqrt(r1 r2);
 * - `'authors'` (the released code): s = sqrt(alpha) * sqrt(alpha2), no rank term
 *   (alpha plays alpha1; alpha2 defaults to alpha). Same s as `'rank'` with alpha' = sqrt(alpha alpha2 r1 r2).
 */
export type AbbaScaling = 'rank' | 'authors';

/** ABBA initialisation: `'svd'` (the paper's best, §3.4) or `'lora'` (both pairs LoRA-style, ablation). */
export type AbbaInit = 'svd' | 'lora';

/**
 * ABBA A2 initialisation, both Kaiming-uniform over fan-in n: `'authors'` (default, the released
 * code's `kaiming_uniform_(a = 0)`, U(±sqrt(6 / n))) or `'peft'` (PEFT's LoRA `a = sqrt(5)`,
 * U(±1 / sqrt(n)), sqrt(6) times narrower; webgrad's init before this option existed).
 */
export type AbbaA2Init = 'authors' | 'peft';

/** ABBA forward implementation (see khatri-rao.ts); all compute the same function. */
export type AbbaImpl = 'fused' | 'plain' | 'naive';

/** What `applyAdapter` takes: the method, the modules to adapt, ranks, scale and initialisation (PEFT's LoraConfig / LoHaConfig fields, by their webgrad names). */
export interface AdapterConfig {
  method: AdapterMethod;
  targetModules: TargetModules;
  /**
   * LoRA / HiRA rank. For ABBA, a LoRA-equivalent budget: when r1 and r2 are omitted,
   * r1 = r2 = r / 2 (same (r1 + r2)(m + n) parameter count as LoRA's r (m + n)).
   */
  r?: number;
  /** ABBA ranks of the two pairs (default r / 2 each, or 8 when r is omitted too). */
  r1?: number;
  r2?: number;
  /**
   * Scale numerator: LoRA s = alpha / r (rsLoRA alpha / sqrt(r)); HiRA s = alpha / r; ABBA see
   * AbbaScaling. The default makes s = 1 (alpha = r; ABBA alpha = sqrt(r1 r2), or 1 with 'authors').
   */
  alpha?: number;
  /** ABBA `'authors'` scaling only: alpha2 of the released code (default alpha). */
  alpha2?: number;
  /** ABBA scaling convention (default `'rank'`). */
  scaling?: AbbaScaling;
  /** LoRA: rank-stabilised scaling alpha / sqrt(r) (Kalajdzievski, 2023) instead of alpha / r. */
  useRsLora?: boolean;
  /** Dropout probability on the adapter's input (default 0). */
  dropout?: number;
  /** ABBA initialisation (default `'svd'`). */
  init?: AbbaInit;
  /** ABBA A2's Kaiming-uniform gain (default `'authors'`, see AbbaA2Init). */
  a2Init?: AbbaA2Init;
  /**
   * ABBA forward implementation. Default `'fused'`: the same six matmuls as `'plain'` (equal time
   * within noise) but A_kr and B_kr are not held from forward to backward, so less peak memory
   * (bench/results/abba.md: 1.02-1.06x LoRA's peak vs 1.15x for 'plain', 2.6-4.6x for 'naive').
   */
  impl?: AbbaImpl;
  /** Power iterations of the truncated SVD for `init: 'svd'` (default 10, as the released code). */
  svdNiter?: number;
  /** Seeds every adapter initialisation and dropout mask (each module gets a derived seed). */
  seed?: number;
  /**
   * Per-module ranks, PEFT's `rank_pattern`: a key matches a module path when the path is the key
   * or ends with `.<key>` (the key is a regular expression, as in PEFT); the first match wins.
   * For ABBA the value is the rank of both pairs (r1 = r2, LoHa's r).
   * @example { rankPattern: { 'blocks.0.attn.cAttn': 16 } }
   */
  rankPattern?: Readonly<Record<string, number>>;
  /** Per-module alpha, PEFT's `alpha_pattern` (matched like rankPattern). */
  alphaPattern?: Readonly<Record<string, number>>;
  /** Modules never adapted even when targetModules matches them (PEFT's `exclude_modules`). */
  excludeModules?: TargetModules;
}

/** A validated config with every default filled in (what adapter_config.json records). */
export interface ResolvedConfig {
  method: AdapterMethod;
  targetModules: TargetModules;
  r: number;
  r1: number;
  r2: number;
  alpha: number;
  alpha2: number;
  scaling: AbbaScaling;
  useRsLora: boolean;
  dropout: number;
  init: AbbaInit;
  a2Init: AbbaA2Init;
  impl: AbbaImpl;
  svdNiter: number;
  seed: number | undefined;
  rankPattern: Readonly<Record<string, number>>;
  alphaPattern: Readonly<Record<string, number>>;
  excludeModules: TargetModules | undefined;
}

const METHODS: readonly AdapterMethod[] = ['abba', 'lora', 'hira'];

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1)
    throw new TensorError('value', `adapter config: ${name} must be a positive integer, got ${v}`);
  return v;
}

function oneOf<T extends string>(name: string, v: T, allowed: readonly T[]): T {
  if (!allowed.includes(v))
    throw new TensorError('value', `adapter config: ${name} must be one of ${allowed.join(', ')}, got ${v}`);
  return v;
}

/**
 * Validates `config` and fills in defaults. Errors name the offending field.
 * @example resolveConfig({ method: 'abba', targetModules: ['cAttn'], r: 16 }).r1 // 8
 */
export function resolveConfig(config: AdapterConfig): ResolvedConfig {
  const method = oneOf('method', config.method, METHODS);
  const t = config.targetModules;
  const okTargets =
    t instanceof RegExp ||
    (typeof t === 'string' && t.length > 0) ||
    (Array.isArray(t) && t.length > 0 && t.every((s) => typeof s === 'string' && s.length > 0));
  if (!okTargets)
    throw new TensorError(
      'value',
      'adapter config: targetModules must be a non-empty name, a non-empty list of names, or a RegExp',
    );
  let { r, r1, r2 } = config;
  if (method === 'abba') {
    if (r !== undefined && (r1 === undefined || r2 === undefined)) {
      positiveInt('r', r);
      if (r % 2 !== 0)
        throw new TensorError(
          'value',
          `adapter config: ABBA at a LoRA budget r needs an even r (r1 = r2 = r/2), got ${r}`,
        );
    }
    r1 = positiveInt('r1', r1 ?? (r !== undefined ? r / 2 : 8));
    r2 = positiveInt('r2', r2 ?? (r !== undefined ? r / 2 : 8));
    r = r1 + r2;
  } else {
    r = positiveInt('r', r ?? 8);
    r1 = r;
    r2 = 0;
  }
  const scaling = oneOf('scaling', config.scaling ?? 'rank', ['rank', 'authors']);
  // Defaults give s = 1 (LoRA / HiRA alpha = r; ABBA alpha = sqrt(r1 r2), or 1 with 'authors').
  const alpha = config.alpha ?? (method !== 'abba' ? r : scaling === 'rank' ? Math.sqrt(r1 * r2) : 1);
  if (!Number.isFinite(alpha))
    throw new TensorError('value', `adapter config: alpha must be a finite number, got ${alpha}`);
  const alpha2 = config.alpha2 ?? alpha;
  const dropout = config.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1))
    throw new TensorError('value', `adapter config: dropout must be in [0, 1), got ${dropout}`);
  const svdNiter = config.svdNiter ?? 10;
  if (!Number.isInteger(svdNiter) || svdNiter < 0)
    throw new TensorError('value', `adapter config: svdNiter must be an integer >= 0, got ${svdNiter}`);
  return {
    method,
    targetModules: t,
    r,
    r1,
    r2,
    alpha,
    alpha2,
    scaling,
    useRsLora: config.useRsLora ?? false,
    dropout,
    init: oneOf('init', config.init ?? 'svd', ['svd', 'lora']),
    a2Init: oneOf('a2Init', config.a2Init ?? 'authors', ['authors', 'peft']),
    impl: oneOf('impl', config.impl ?? 'fused', ['fused', 'plain', 'naive']),
    svdNiter,
    seed: config.seed,
    rankPattern: checkedPattern('rankPattern', config.rankPattern, true),
    alphaPattern: checkedPattern('alphaPattern', config.alphaPattern, false),
    excludeModules: config.excludeModules,
  };
}

function checkedPattern(
  name: string,
  pattern: Readonly<Record<string, number>> | undefined,
  integer: boolean,
): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [key, v] of Object.entries(pattern ?? {})) {
    if (integer) positiveInt(`${name}['${key}']`, v);
    else if (!Number.isFinite(v))
      throw new TensorError('value', `adapter config: ${name}['${key}'] must be a finite number, got ${v}`);
    out[key] = v;
  }
  return out;
}

/**
 * The value of the first key of a PEFT-style pattern that matches module `path` (PEFT's rule:
 * the regular expression `(.*\.)?(<key>)$` matches the whole path), or undefined.
 * @example patternValue({ cAttn: 16 }, 'blocks.0.attn.cAttn') // 16
 */
export function patternValue(pattern: Readonly<Record<string, number>>, path: string): number | undefined {
  for (const [key, v] of Object.entries(pattern)) if (new RegExp(`^(.*\\.)?(${key})$`).test(path)) return v;
  return undefined;
}

/**
 * The config one module gets: rankPattern and alphaPattern applied to r (ABBA: r1 = r2) and alpha.
 * @example moduleConfig(c, 'blocks.0.attn.cAttn').r
 */
export function moduleConfig(c: ResolvedConfig, path: string): ResolvedConfig {
  const r = patternValue(c.rankPattern, path);
  const alpha = patternValue(c.alphaPattern, path);
  if (r === undefined && alpha === undefined) return c;
  const ranks = r === undefined ? {} : c.method === 'abba' ? { r1: r, r2: r, r: 2 * r } : { r, r1: r };
  return { ...c, ...ranks, ...(alpha === undefined ? {} : { alpha, alpha2: alpha }) };
}

/**
 * The factor s multiplying the update, per method (see the file comment for ABBA).
 * @example scalingOf(resolveConfig({ method: 'lora', targetModules: 'q', r: 8, alpha: 16 })) // 2
 */
export function scalingOf(c: ResolvedConfig): number {
  switch (c.method) {
    case 'abba':
      // Paper §3.3: s = alpha / sqrt(r1 r2); released code: s = sqrt(alpha1) sqrt(alpha2).
      return c.scaling === 'rank' ? c.alpha / Math.sqrt(c.r1 * c.r2) : Math.sqrt(c.alpha) * Math.sqrt(c.alpha2);
    case 'lora':
      // Hu et al. (2021) §4.1: alpha / r; rsLoRA: alpha / sqrt(r).
      return c.useRsLora ? c.alpha / Math.sqrt(c.r) : c.alpha / c.r;
    case 'hira':
      return c.alpha / c.r;
  }
}

/**
 * Whether the module at dotted `path` is a target.
 * @example matchesTarget('blocks.0.attn.cAttn', ['cAttn']) // true
 */
export function matchesTarget(path: string, targets: TargetModules, exclude?: TargetModules): boolean {
  if (exclude !== undefined && matchesTarget(path, exclude)) return false;
  if (targets instanceof RegExp) {
    targets.lastIndex = 0;
    return targets.test(path);
  }
  const names = typeof targets === 'string' ? [targets] : targets;
  return names.some((n) => path === n || path.endsWith(`.${n}`));
}
