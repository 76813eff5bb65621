/**
 * Module: the base class of every layer. Parameters, buffers and submodules are discovered from
 * the instance's own fields (PyTorch's registration without the `register_*` calls):
 * - a field holding a Module is a submodule; an array of Modules is indexed (`blocks.0.attn`);
 * - a field holding a Tensor that is a parameter (made by `parameter()`, or with
 *   `requiresGrad === true` when first seen) is a parameter, and stays one after freezing;
 * - a Tensor field named with `registerBuffer` is a buffer: state, but not trained.
 */
import { type Device, detach, type Tensor, Tensor as TensorClass, TensorError } from '@webgrad/tensor';
import { describeTensor } from './describe.js';

/** A flat `{ dottedName: Tensor }` map: what `stateDict()` returns and checkpoints hold. */
export type StateDict = Record<string, Tensor>;

/** Every tensor ever seen as a parameter; freezing (requiresGrad = false) keeps it one. */
const knownParams = new WeakSet<Tensor>();

/**
 * Marks `t` as a trainable parameter (requiresGrad = true) and returns it.
 * @example this.weight = parameter(randn([4, 3]));
 */
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  knownParams.add(t);
  return t;
}

function isParam(t: Tensor): boolean {
  if (t.requiresGrad) knownParams.add(t);
  return knownParams.has(t);
}

/** Where a tensor lives in the tree: the owning object and the key (field name or index). */
export interface Slot {
  owner: Record<string | number, unknown>;
  key: string | number;
  tensor: Tensor;
  kind: 'parameter' | 'buffer';
  persistent: boolean;
}

const BUFFERS: unique symbol = Symbol('buffers');

/**
 * The base of every layer and model, as in PyTorch: fields holding Tensors are parameters, fields
 * holding Modules (or arrays of them) are submodules, found by walking the fields.
 * @example
 *   class Net extends Module { fc = new Linear(4, 2); forward(x: Tensor) { return this.fc.forward(x); } }
 *   new Net().namedParameters().map(([name]) => name) // ['fc.weight', 'fc.bias']
 */
export abstract class Module {
  /** Read by Dropout and friends; set with `train()`/`eval()`. */
  training = true;
  // A symbol-keyed field is invisible to Object.entries, so it is never mistaken for state.
  private readonly [BUFFERS] = new Map<string, boolean>();

  /** Declares field `name` (holding a Tensor) a buffer; non-persistent buffers stay out of `stateDict`. */
  protected registerBuffer(name: string, value: Tensor, persistent = true): void {
    (this as unknown as Record<string, unknown>)[name] = value;
    this[BUFFERS].set(name, persistent);
  }

  /** Direct submodules, with their field names (array elements as `field.i`). */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof Module) out.push([key, value]);
      else if (Array.isArray(value))
        value.forEach((v, i) => {
          if (v instanceof Module) out.push([`${key}.${i}`, v]);
        });
    }
    return out;
  }

  /** This module and all below it, depth first, with dotted names ('' for this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [name, child] of this.namedChildren()) out.push(...child.namedModules(join(prefix, name)));
    return out;
  }

  /** Every parameter and buffer slot below this module, in field order (shared tensors repeat). */
  slots(prefix = ''): [string, Slot][] {
    const out: [string, Slot][] = [];
    for (const [key, value] of Object.entries(this)) {
      if (value instanceof TensorClass) {
        const buffer = this[BUFFERS].get(key);
        const owner = this as unknown as Record<string, unknown>;
        if (buffer !== undefined)
          out.push([join(prefix, key), { owner, key, tensor: value, kind: 'buffer', persistent: buffer }]);
        else if (isParam(value))
          out.push([join(prefix, key), { owner, key, tensor: value, kind: 'parameter', persistent: true }]);
      }
    }
    for (const [name, child] of this.namedChildren()) out.push(...child.slots(join(prefix, name)));
    return out;
  }

  /**
   * Parameters with dotted names; a tensor shared by two fields (weight tying) is listed once.
   * @example for (const [name, p] of model.namedParameters()) console.log(name, p.shape);
   */
  namedParameters(): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [name, s] of this.slots()) {
      if (s.kind !== 'parameter' || seen.has(s.tensor)) continue;
      seen.add(s.tensor);
      out.push([name, s.tensor]);
    }
    return out;
  }

  /** Every parameter of this module and its submodules, in field order. */
  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /**
   * The number of parameter elements (tied weights counted once); `trainableOnly` counts only
   * those with requiresGrad.
   * @example new Linear(3, 2).numParameters() // 8
   */
  numParameters({ trainableOnly = false }: { trainableOnly?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!trainableOnly || p.requiresGrad) n += p.size;
    return n;
  }

  /** Every buffer (a non-parameter tensor registered with `registerBuffer`), by dotted path. */
  namedBuffers(): [string, Tensor][] {
    return this.slots()
      .filter(([, s]) => s.kind === 'buffer')
      .map(([n, s]) => [n, s.tensor]);
  }

  /** Sets the `training` flag on this module and every submodule. */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) m.training = mode;
    return this;
  }

  /** Inference mode for this module and every submodule (dropout off); returns this. */
  eval(): this {
    return this.train(false);
  }

  /**
   * Freezes (`false`) or unfreezes every parameter below this module; they stay parameters.
   * @example model.wte.requiresGrad(false);
   */
  requiresGrad(flag = true): this {
    for (const [, p] of this.namedParameters()) p.requiresGrad = flag;
    return this;
  }

  /**
   * Parameters and persistent buffers by dotted name. The entries are zero-copy snapshots: they
   * share storage with the live tensors, and since updates (`assign`) swap storage rather than
   * write into it, later training does not change them. Dispose them (or call this inside
   * `tidy`) when done.
   * @example await saveSafetensors('model.safetensors', model.stateDict());
   */
  stateDict(): StateDict {
    const out: StateDict = Object.create(null);
    for (const [name, s] of this.slots()) if (s.persistent) out[name] = detach(s.tensor);
    return out;
  }

  /**
   * Copies `record` into this module's parameters and persistent buffers in place (tensor
   * identity is kept, so optimizers stay valid). Shapes, dtypes and devices must match; with
   * `strict` the key sets must be equal. All problems are reported in one error, before anything
   * is changed.
   */
  loadStateDict(record: Record<string, Tensor>, { strict = true }: { strict?: boolean } = {}): void {
    const slots = this.slots().filter(([, s]) => s.persistent);
    const names = new Set(slots.map(([n]) => n));
    const missing = strict ? [...names].filter((n) => !Object.hasOwn(record, n)) : [];
    const unexpected = strict ? Object.keys(record).filter((n) => !names.has(n)) : [];
    const mismatched: string[] = [];
    for (const [name, s] of slots) {
      const v = Object.hasOwn(record, name) ? record[name] : undefined;
      if (!v) continue;
      const t = s.tensor;
      if (v.dtype !== t.dtype || v.device !== t.device || v.shape.join() !== t.shape.join())
        mismatched.push(`${name}: expected ${describeTensor(t)}, got ${describeTensor(v)}`);
    }
    if (missing.length + unexpected.length + mismatched.length > 0) {
      const parts = [
        missing.length ? `missing keys: ${missing.join(', ')}` : '',
        unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : '',
        mismatched.length ? `mismatched: ${mismatched.join('; ')}` : '',
      ].filter(Boolean);
      throw new TensorError('value', `${this.constructor.name}.loadStateDict: ${parts.join('. ')}`);
    }
    for (const [name, s] of slots) {
      const v = Object.hasOwn(record, name) ? record[name] : undefined;
      if (v) s.tensor.assign(v);
    }
  }

  /**
   * Moves every parameter and buffer to `device`. Tensors that move are replaced by new objects
   * (storage cannot change device in place), so create optimizers after calling this.
   */
  async to(device: Device): Promise<this> {
    const moved = new Map<Tensor, Tensor>();
    for (const [, s] of this.slots()) {
      let next = moved.get(s.tensor);
      if (!next) {
        next = await s.tensor.to(device);
        if (next !== s.tensor) {
          if (s.kind === 'parameter') {
            knownParams.add(next);
            next.requiresGrad = s.tensor.requiresGrad;
          }
          s.tensor.dispose();
        }
        moved.set(s.tensor, next);
      }
      s.owner[s.key] = next;
    }
    return this;
  }
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}
