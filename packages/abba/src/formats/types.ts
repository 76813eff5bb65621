/**
 * Adapter file formats: how a model's adapter layers become the two files of an adapter directory
 * (`adapter_config.json` and the tensors of `adapter_model.safetensors`), and back. One file per
 * format; `index.ts` lists them. Each format stores one adapter method.
 */
import type { Tensor } from '@webgrad/tensor';
import type { AdapterLayer } from '../adapter-layer.js';
import type { AdapterConfig, AdapterMethod, ResolvedConfig } from '../config.js';

/** The formats `saveAdapter(model, dir, { format })` can write and `loadAdapter` reads. */
export type AdapterFormatName = 'peft-lora' | 'peft-hira' | 'peft-loha' | 'abba-authors';

/** What a format writes: the JSON of adapter_config.json and the tensors by their file keys. */
export interface AdapterFiles {
  config: Record<string, unknown>;
  tensors: Record<string, Tensor>;
}

/** One adapter file format: recognises, writes and reads the files of one adapter method. */
export interface AdapterFormat {
  readonly name: AdapterFormatName;
  /** The adapter method whose layers this format stores. */
  readonly method: AdapterMethod;
  /** Whether `json` (an adapter_config.json) is in this format. */
  recognises(json: Record<string, unknown>): boolean;
  /** The files for `layers` (every adapter layer of a model, with their module paths) made with `config`. */
  write(config: ResolvedConfig, layers: readonly (readonly [string, AdapterLayer])[]): AdapterFiles;
  /**
   * The adapter config that `json` describes. Options the format has that webgrad does not model
   * are rejected by name (a TensorError), before anything changes.
   */
  readConfig(json: Record<string, unknown>, source: string): AdapterConfig;
  /**
   * The value of each adapter parameter (by field name) of `layer` at `path`, taken from the
   * file's `tensors` (undone folding or padding included). Missing or misshapen tensors are
   * reported in `problems`; `used` collects the file keys read.
   */
  readLayer(
    layer: AdapterLayer,
    path: string,
    tensors: Record<string, Tensor>,
    problems: string[],
    used: Set<string>,
  ): Record<string, Tensor>;
}
