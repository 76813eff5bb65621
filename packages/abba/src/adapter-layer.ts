/**
 * AdapterLayer: what LoRA, HiRA and ABBA layers share (PEFT's tuner-layer pattern). A layer wraps
 * a frozen Linear (`base`, y = x W0^T + b), adds `delta(dropout(x))`, and declares its adapter
 * parameters by field name and file key, so freezing, saving, loading and merging are generic.
 */
import { noGrad } from '@webgrad/autograd';
import { Dropout, type Linear, Module, subSeed } from '@webgrad/nn';
import { detach, keep, type Tensor, TensorError, tidy } from '@webgrad/tensor';
import type { AdapterMethod } from './config.js';

/** Options every adapter layer takes. */
export interface AdapterLayerOptions {
  /** Dropout probability on the adapter input (default 0). */
  dropout?: number;
  /** Seeds the initialisation and the dropout masks. */
  seed?: number;
}

/** The base of LoRALinear, HiRALinear and ABBALinear: a frozen `base` Linear plus `delta(dropout(x))`, with its adapter parameters declared in `adapterKeys` so that freezing, saving, loading and merging are generic. */
export abstract class AdapterLayer extends Module {
  /** The wrapped layer; its parameters are frozen (requiresGrad false). */
  base: Linear;
  /** Dropout on the adapter's input only (the base path sees x unchanged). */
  dropout: Dropout;
  abstract readonly method: AdapterMethod;
  /** Adapter parameters: field name -> key in adapter_model.safetensors (after the module path). */
  abstract readonly adapterKeys: Readonly<Record<string, string>>;
  /** The factor s of the update (see config.ts `scalingOf`). */
  readonly scale: number;
  // W0 while merged (shares W0's storage: `assign` swaps storage, it never writes into it).
  // A private field, so Module's field discovery does not see it as state.
  #w0: Tensor | undefined;

  constructor(base: Linear, scale: number, opts: AdapterLayerOptions) {
    super();
    if (!Number.isFinite(scale))
      throw new TensorError('value', `${new.target.name}: scale must be finite, got ${scale}`);
    this.base = base;
    base.requiresGrad(false);
    this.scale = scale;
    this.dropout = new Dropout(opts.dropout ?? 0, { seed: subSeed(opts.seed, 99) });
  }

  get inFeatures(): number {
    return this.base.inFeatures;
  }
  get outFeatures(): number {
    return this.base.outFeatures;
  }
  /** True between `merge()` and `unmerge()`: forward is then the base layer alone. */
  get merged(): boolean {
    return this.#w0 !== undefined;
  }
  /** The pretrained W0 [out, in], also while merged. */
  get originalWeight(): Tensor {
    return this.#w0 ?? this.base.weight;
  }

  /** The update dW [out, in] (scale included), materialised: used by merge and for inspection. */
  abstract deltaWeight(): Tensor;

  /** x dW^T for x [N, in] (already through dropout) -> [N, out]. */
  protected abstract delta(x: Tensor): Tensor;

  /** [file key, tensor] of each adapter parameter, in declaration order. */
  adapterTensors(): [string, Tensor][] {
    const self = this as unknown as Record<string, Tensor>;
    return Object.entries(this.adapterKeys).map(([field, key]) => [key, self[field] as Tensor]);
  }

  /** Number of trainable adapter parameters. */
  adapterParameterCount(): number {
    return this.adapterTensors().reduce((n, [, t]) => n + t.size, 0);
  }

  /**
   * x [..., in] -> [..., out]: base(x) + delta(dropout(x)), or base(x) alone while merged. A
   * merged layer in training mode raises (nothing would train): `unmerge` to train, `eval()` to infer.
   */
  forward(x: Tensor): Tensor {
    if (this.merged && this.training && this.adapterTensors().some(([, t]) => t.requiresGrad))
      throw new TensorError(
        'state',
        `${this.constructor.name}: forward in training mode while merged: the adapter's parameters would get no ` +
          'gradient. Call unmerge(model) to train, or model.eval() to run the merged weights for inference',
      );
    const y = this.base.forward(x); // checks x's last dim
    if (this.merged) return y;
    const x2 = x.ndim === 2 ? x : x.reshape([-1, this.inFeatures]); // [N, in]
    const d = this.delta(this.dropout.forward(x2)); // [N, out]
    return y.add(x.ndim === 2 ? d : d.reshape(y.shape)); // [..., out]
  }

  /**
   * Folds the update into the base weight (W = W0 + dW), keeping W0 so that `unmerge` restores
   * it bit-exactly. A no-op when already merged.
   * @example layer.merge(); layer.forward(x); layer.unmerge();
   */
  merge(): void {
    if (this.merged) return;
    const w = this.base.weight;
    const dW = noGrad(() => this.deltaWeight());
    this.#w0 = keep(detach(w));
    noGrad(() => tidy(() => void w.assign(w.add(dW))));
    dW.dispose();
  }

  /** Puts W0 back (the same bits as before `merge`). A no-op when not merged. */
  unmerge(): void {
    const w0 = this.#w0;
    if (!w0) return;
    this.base.weight.assign(w0);
    w0.dispose();
    this.#w0 = undefined;
  }

  /** Merges for good and returns the base Linear (W = W0 + dW); W0 is released. */
  mergeAndUnload(): Linear {
    this.merge();
    this.#w0?.dispose();
    this.#w0 = undefined;
    return this.base;
  }
}
