/**
 * Optimizer base: parameter groups, per-parameter state, zeroGrad, a settable lr, and
 * stateDict/loadStateDict that resume a run exactly. Subclasses implement `update` only.
 */
import { noGrad } from '@webgrad/autograd';
import { detach, isFloat, keep, type Tensor, Tensor as TensorClass, TensorError, tidy } from '@webgrad/tensor';
import { describeTensor } from '../describe.js';
import { FlatUpdates } from './flat-update.js';

/** Per-parameter state: the step count and named buffers (moments, momentum). */
export interface ParamState {
  step: number;
  buffers: Record<string, Tensor>;
}

/** A group of parameters with its own hyperparameters (unset ones take the optimizer's defaults). */
export type ParamGroup<H> = { params: Tensor[] } & Partial<H>;

/** What optimizers accept: a list of parameters or a list of groups. */
export type Params<H> = readonly Tensor[] | readonly ParamGroup<H>[];

/** Serializable optimizer state: buffers by parameter index (across groups, in order). */
export interface OptimizerStateDict<H> {
  state: Record<number, { step: number; buffers: Record<string, Tensor> }>;
  paramGroups: (H & { params: number[] })[];
}

/** Catches the common slips in what is passed as `params`, before they become obscure errors. */
function checkParamsArgument(name: string, params: unknown): void {
  if (typeof params === 'function')
    throw new TensorError(
      'value',
      `${name}: params is a function, not a list of tensors; call model.parameters() (with the parentheses)`,
    );
  if (!Array.isArray(params))
    throw new TensorError(
      'value',
      `${name}: params must be an array of tensors or of { params } groups, got ${typeof params}; pass model.parameters()`,
    );
  if (params.length === 0) throw new TensorError('value', `${name}: got an empty parameter list`);
  params.forEach((p, i) => {
    const ok = p instanceof TensorClass || (typeof p === 'object' && p !== null && Array.isArray(p.params));
    if (!ok)
      throw new TensorError('value', `${name}: params[${i}] is neither a Tensor nor a { params: Tensor[] } group`);
  });
}

/** The base of SGD, Adam and AdamW: parameter groups with their own options, `step()` from each parameter's `.grad`, `zeroGrad()`, and state that can be saved and restored. */
export abstract class Optimizer<H extends { lr: number }> {
  readonly paramGroups: (H & { params: Tensor[] })[];
  protected readonly state = new Map<Tensor, ParamState>();
  /**
   * Set by subclasses whose `update` is elementwise (each coordinate depends only on the same
   * coordinate of the parameter, gradient and state): `step` then updates the parameters of a
   * bucket as one flat vector (flat-update.ts), bitwise equal and with far fewer ops.
   */
  protected elementwise = false;
  /**
   * Parameters up to this size share flat updates; bigger ones are updated alone. A flat update
   * copies every gradient once (the concatenation) to save the dispatches of all but one
   * parameter: that pays when the update has many ops (Adam's 14), and for small parameters
   * whatever the update (their ops cost more in dispatch than in arithmetic). SGD lowers it.
   */
  protected flatMaxElements = Number.POSITIVE_INFINITY;
  private readonly flat = new FlatUpdates();

  constructor(
    params: Params<H>,
    defaults: H,
    private readonly name: string,
  ) {
    checkParamsArgument(name, params);
    const groups = (
      params.length > 0 && !('params' in (params[0] as object)) ? [{ params }] : params
    ) as ParamGroup<H>[];
    const seen = new Set<Tensor>();
    this.paramGroups = groups.map((g, gi) => {
      for (const p of g.params) {
        if (seen.has(p))
          throw new TensorError('value', `${name}: a parameter ${describeTensor(p)} appears twice (group ${gi})`);
        if (!isFloat(p.dtype))
          throw new TensorError('dtype', `${name}: parameters must be float, got ${describeTensor(p)}`);
        seen.add(p);
      }
      const group = { ...defaults, ...g, params: [...g.params] };
      this.validate(group);
      return group;
    });
  }

  /** Throws on invalid hyperparameters (names the optimizer and the value). */
  protected validate(h: H): void {
    if (!(h.lr >= 0)) throw new TensorError('value', `${this.name}: lr must be >= 0, got ${h.lr}`);
  }

  /** The first group's learning rate; setting it sets every group's (for schedules). */
  get lr(): number {
    return this.paramGroups[0]?.lr ?? 0;
  }
  set lr(value: number) {
    for (const g of this.paramGroups) g.lr = value;
  }

  /**
   * Frees the optimizer's state (moments, momentum buffers) and clears every `.grad`; the
   * parameters are the caller's and stay. A later `step()` starts from fresh state.
   * @example opt.dispose(); for (const p of model.parameters()) p.dispose();
   */
  dispose(): void {
    this.flat.dispose();
    for (const s of this.state.values()) for (const b of Object.values(s.buffers)) b.dispose();
    this.state.clear();
    this.zeroGrad();
  }

  /** Disposes and clears every parameter's `.grad`. */
  zeroGrad(): void {
    for (const g of this.paramGroups)
      for (const p of g.params) {
        p.grad?.dispose();
        p.grad = undefined;
      }
  }

  /**
   * One update of every parameter that has a `.grad`, under noGrad, with temporaries freed.
   * @example backward(loss); opt.step(); opt.zeroGrad();
   */
  step(): void {
    if (!this.paramGroups.some((g) => g.params.some((p) => p.grad))) {
      const n = this.paramGroups.reduce((k, g) => k + g.params.length, 0);
      throw new TensorError(
        'state',
        `${this.name}.step: none of its ${n} parameters has a gradient, so nothing would be updated. ` +
          'Usual causes: the optimizer was built before applyAdapter (build it afterwards, from ' +
          'model.parameters()), its parameters are frozen (requiresGrad false), or backward(loss) ' +
          'was not called (or the loss does not depend on these parameters)',
      );
    }
    noGrad(() =>
      tidy(() => {
        this.paramGroups.forEach((g, gi) => {
          const buckets = new Map<string, { params: Tensor[]; states: ParamState[] }>();
          for (const p of g.params) {
            if (!p.grad) continue;
            let s = this.state.get(p);
            if (!s) this.state.set(p, (s = { step: 0, buffers: {} }));
            s.step++;
            if (!this.elementwise || p.size > this.flatMaxElements) {
              this.update(p, p.grad, g, s);
              continue;
            }
            // Parameters that can share one flat update: same dtype, device, step and buffers.
            const key = `${gi}|${p.dtype}|${p.device}|${s.step}|${Object.keys(s.buffers).sort()}`;
            const b = buckets.get(key) ?? { params: [], states: [] };
            b.params.push(p);
            b.states.push(s);
            buckets.set(key, b);
          }
          for (const b of buckets.values()) {
            const [p, s] = [b.params[0] as Tensor, b.states[0] as ParamState];
            const cacheKey = `${gi}|${p.dtype}|${p.device}`;
            if (b.params.length === 1) this.update(p, p.grad as Tensor, g, s);
            else this.flat.run(cacheKey, b.params, b.states, (fp, fg, fs) => this.update(fp, fg, g, fs));
          }
        });
      }),
    );
  }

  /** Updates `param` in place (`param.assign(...)`) from `grad`; `state.step` is already incremented. */
  protected abstract update(param: Tensor, grad: Tensor, group: H, state: ParamState): void;

  /** A state buffer, created by `init` on first use and kept alive across tidy scopes. */
  protected buffer(state: ParamState, name: string, init: () => Tensor): Tensor {
    let b = state.buffers[name];
    if (!b) state.buffers[name] = b = keep(init());
    return b;
  }

  /**
   * Step counts, buffers and hyperparameters. Buffers are zero-copy snapshots (updates swap
   * storage rather than write into it), so training on does not change a saved state.
   */
  stateDict(): OptimizerStateDict<H> {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => ({
      ...g,
      params: g.params.map((p) => {
        index.set(p, index.size);
        return index.size - 1;
      }),
    }));
    const state: OptimizerStateDict<H>['state'] = {};
    for (const [p, s] of this.state) {
      const buffers: Record<string, Tensor> = {};
      for (const [k, b] of Object.entries(s.buffers)) buffers[k] = detach(b);
      state[index.get(p) as number] = { step: s.step, buffers };
    }
    return { state, paramGroups };
  }

  /** Restores a `stateDict()` of an optimizer over parameters of the same shapes, in the same order. */
  loadStateDict(sd: OptimizerStateDict<H>): void {
    const sizes = (gs: { params: unknown[] }[]) => gs.map((g) => g.params.length).join(',');
    if (sizes(sd.paramGroups) !== sizes(this.paramGroups))
      throw new TensorError(
        'shape',
        `${this.name}.loadStateDict: group sizes [${sizes(sd.paramGroups)}] differ from [${sizes(this.paramGroups)}]`,
      );
    const params = this.paramGroups.flatMap((g) => g.params);
    const next = new Map<Tensor, ParamState>();
    for (const [i, s] of Object.entries(sd.state)) {
      const p = params[Number(i)];
      if (!p)
        throw new TensorError(
          'shape',
          `${this.name}.loadStateDict: state for parameter ${i}, but there are ${params.length}`,
        );
      const buffers: Record<string, Tensor> = {};
      for (const [k, b] of Object.entries(s.buffers)) {
        if (b.dtype !== p.dtype || b.device !== p.device || b.shape.join() !== p.shape.join())
          throw new TensorError(
            'shape',
            `${this.name}.loadStateDict: buffer ${k} of parameter ${i} is ${describeTensor(b)}, expected like ${describeTensor(p)}`,
          );
        buffers[k] = keep(detach(b));
      }
      next.set(p, { step: s.step, buffers });
    }
    this.flat.dispose();
    for (const s of this.state.values()) for (const b of Object.values(s.buffers)) b.dispose();
    this.state.clear();
    for (const [p, s] of next) this.state.set(p, s);
    sd.paramGroups.forEach((g, gi) => {
      const { params: _ignored, ...hyper } = g;
      Object.assign(this.paramGroups[gi] as object, hyper);
    });
  }
}
