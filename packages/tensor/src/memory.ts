/**
 * Storage lifetime: reference-counted storages shared by views, explicit `dispose()`/`tidy()`,
 * a FinalizationRegistry as the safety net, and the per-device accounting behind `memory()`.
 */
import { platform } from '#platform';
import { type Backend, type Device, getBackend } from './backend.js';
import { bytesPerElement, type DType } from './dtype.js';

/** Backend storage shared by a tensor and all its views; freed when the last one lets go. */
export class Storage {
  private refs = 0;
  /** The counters of this storage's device (looked up once, not per tensor). */
  readonly stats: DeviceStats;
  constructor(
    readonly backend: Backend,
    readonly handle: unknown,
    readonly dtype: DType,
    readonly size: number,
  ) {
    const s = statsFor(backend.device);
    this.stats = s;
    s.bytes += this.bytes;
    s.storages++;
  }

  get bytes(): number {
    return this.size * bytesPerElement(this.dtype);
  }

  retain(): void {
    this.refs++;
  }

  release(): void {
    if (--this.refs > 0) return;
    const s = this.stats;
    s.bytes -= this.bytes;
    s.storages--;
    this.backend.free(this.handle, this.dtype, this.size);
  }
}

export interface DeviceStats {
  tensors: number;
  storages: number;
  bytes: number;
}

const stats = new Map<Device, DeviceStats>();

export function statsFor(device: Device): DeviceStats {
  let s = stats.get(device);
  if (!s) {
    s = { tensors: 0, storages: 0, bytes: 0 };
    stats.set(device, s);
  }
  return s;
}

/** Live tensors and storage bytes summed over every device (what the GC net watches). */
export function liveTotals(): { tensors: number; bytes: number } {
  let tensors = 0;
  let bytes = 0;
  for (const s of stats.values()) {
    tensors += s.tensors;
    bytes += s.bytes;
  }
  return { tensors, bytes };
}

/** Live tensors and bytes of one device, as `memory()` reports them. */
export interface MemoryInfo {
  /** Live (not disposed, not collected) tensors, views included. */
  tensors: number;
  /** Bytes of live storage (views share their base's bytes). */
  bytes: number;
  /** Bytes held in the backend's reuse pool, not counted in `bytes`. */
  pooledBytes: number;
}

/** Live tensors and bytes per device, e.g. `memory().webgpu?.bytes`. */
export function memory(): Partial<Record<Device, MemoryInfo>> {
  const out: Partial<Record<Device, MemoryInfo>> = {};
  for (const [device, s] of stats) {
    out[device] = { tensors: s.tensors, bytes: s.bytes, pooledBytes: getBackend(device)?.pooledBytes?.() ?? 0 };
  }
  return out;
}

// ---- tidy scopes -------------------------------------------------------------------------------

/** Anything that can be disposed and knows whether it is still alive. */
export interface Disposable {
  /** `survivors`: what an ending tidy returns (a tensor's `.grad` among them outlives the tensor). */
  dispose(survivors?: ReadonlySet<unknown>): void;
  readonly isDisposed: boolean;
  /**
   * Called when no tidy scope holds it any more (kept, or returned from the outermost tidy).
   * Tensors hand themselves to the garbage-collection safety net only then: while a scope
   * holds them they cannot be collected, so registering every temporary would be wasted work.
   */
  leftScopes?(): void;
  /** Tensors this one wraps and keeps alive (vmap's batch tracers): tidy and keep treat them alike. */
  readonly heldTensors?: readonly Disposable[];
}

/** The tensors a tidy made; `closed` once it ended (later tensors of its async work go to the net). */
type Scope = Disposable[] & { closed?: boolean };

// An async context (AsyncLocalStorage in Node) keeps scopes correct across awaits and concurrent
// async tidies; in a browser it is a stack with documented limits (platform/browser.ts).
const scopes = platform.asyncContext<Scope>();

/**
 * Called for every new tensor: the innermost active tidy scope takes ownership of it. Returns
 * false when there is no scope (the caller then relies on the safety net).
 */
export function trackInScope(t: Disposable): boolean {
  const scope = scopes.get();
  if (!scope || scope.closed) return false;
  scope.push(t);
  return true;
}

/** Removes `t` from the current scope so that the enclosing `tidy` does not dispose it. */
export function keep<T extends Disposable>(t: T): T {
  const scope = scopes.get();
  if (scope) {
    const i = scope.indexOf(t);
    if (i >= 0) {
      scope.splice(i, 1);
      t.leftScopes?.();
    }
    for (const h of t.heldTensors ?? []) keep(h);
  }
  return t;
}

function collect(value: unknown, into: Set<unknown>, seen?: Set<unknown>): void {
  // Typed arrays (e.g. `tidy(() => t.dataSync())`) hold no tensors; walking their values is O(n).
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || seen?.has(value)) return;
  // `seen` (against cycles) is made once there is something to walk: most tidies return one tensor.
  if ('isDisposed' in value && 'dispose' in value) {
    into.add(value);
    const held = (value as Disposable).heldTensors;
    if (held) collect(held, into, (seen ?? new Set()).add(value));
    else seen?.add(value);
    return;
  }
  const walked = (seen ?? new Set()).add(value);
  for (const v of Array.isArray(value) ? value : Object.values(value)) collect(v, into, walked);
}

function endScope(scope: Scope, result: unknown): void {
  scope.closed = true;
  const survivors = new Set<unknown>();
  collect(result, survivors);
  const parent = scopes.get();
  for (const t of scope) {
    if (!survivors.has(t)) {
      if (!t.isDisposed) t.dispose(survivors);
    } else if (parent) parent.push(t);
    else t.leftScopes?.();
  }
}

/**
 * Runs `fn` and disposes every tensor it created except those it returns (found anywhere in
 * the returned value: a tensor, an array or an object of them). Given an async `fn`, it returns
 * a Promise and does the same when that settles (as `tidyAsync`).
 * @example const y = tidy(() => x.mul(2).add(1).sum());
 * @example const l = await tidy(async () => { const y = f(x); await y.data(); return y.sum(); });
 */
export function tidy<T>(fn: () => Promise<T>): Promise<T>;
export function tidy<T>(fn: () => T): T;
export function tidy<T>(fn: () => T): T {
  const scope: Scope = [];
  let result: T;
  try {
    result = scopes.run(scope, fn);
  } catch (e) {
    // Like tidyAsync (and tf.tidy): a throwing fn still releases what it made.
    endScope(scope, undefined);
    throw e;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        endScope(scope, value);
        return value;
      },
      (e) => {
        endScope(scope, undefined);
        throw e;
      },
    ) as T;
  }
  endScope(scope, result);
  return result;
}

/** The async form of `tidy`: tensors created across the awaits of `fn` are tracked too. */
export async function tidyAsync<T>(fn: () => Promise<T>): Promise<T> {
  const scope: Scope = [];
  try {
    const result = await scopes.run(scope, fn);
    endScope(scope, result);
    return result;
  } catch (e) {
    endScope(scope, undefined);
    throw e;
  }
}
