/**
 * Adapters on disk, as the Python ecosystem keeps them: a directory with `adapter_config.json` and
 * `adapter_model.safetensors`, in one of the formats of formats/ (by default PEFT's own: LoRA as
 * LORA, HiRA as HIRA, ABBA as LOHA, which is the same update), so `PeftModel.from_pretrained`
 * loads a webgrad adapter unchanged and webgrad loads PEFT's.
 *
 * webgrad's own settings that a format has no field for (ABBA's r1/r2 and scaling convention,
 * init, seed, the adapted module paths) travel in the safetensors `__metadata__` under the key
 * `webgrad`, a JSON string PEFT never reads; adapter_config.json holds only the format's fields.
 */
import { loadSafetensors, type Module, readSafetensorsMetadata, saveSafetensors } from '@webgrad/nn';
import { platform, type Tensor, TensorError } from '@webgrad/tensor';
import type { AdapterLayer } from './adapter-layer.js';
import { type AdapterMethod, type ResolvedConfig, resolveConfig, type TargetModules } from './config.js';
import { type AdapterFormat, type AdapterFormatName, formatFor, formatOfFile } from './formats/index.js';
import {
  adapterConfigOf,
  adapterLayers,
  applyAdapter,
  forgetAdapterConfig,
  setAdapterConfig,
  setSubmodule,
} from './inject.js';
import { checkNotMerged } from './merge.js';

const join = platform.joinPath;

/** The adapter's configuration file in an adapter directory (PEFT's name). */
export const CONFIG_FILE = 'adapter_config.json';
/** The adapter's tensors in an adapter directory (PEFT's name). */
export const WEIGHTS_FILE = 'adapter_model.safetensors';
/** The safetensors metadata key of webgrad's own settings. */
const METADATA_KEY = 'webgrad';

type SavedTargets = string[] | { regex: string; flags: string };

/** webgrad's settings as saved in the metadata. */
interface SavedSettings extends Omit<ResolvedConfig, 'targetModules' | 'excludeModules' | 'seed'> {
  targetModules: SavedTargets;
  excludeModules: SavedTargets | null;
  seed: number | null;
  modules: string[];
}

function targetsToJson(t: TargetModules): SavedTargets {
  return t instanceof RegExp ? { regex: t.source, flags: t.flags } : typeof t === 'string' ? [t] : [...t];
}

function targetsFromJson(t: SavedTargets): TargetModules {
  return Array.isArray(t) ? t : new RegExp(t.regex, t.flags);
}

/** Options of `saveAdapter`. */
export interface SaveAdapterOptions {
  /**
   * The file format (default: PEFT's for the method: 'peft-lora', 'peft-hira', 'peft-loha' for
   * ABBA). 'abba-authors' writes the layout of the ABBA authors' code (see formats/abba-authors.ts).
   */
  format?: AdapterFormatName;
}

/**
 * Writes `model`'s adapter to `dir` (created if needed): adapter_config.json and
 * adapter_model.safetensors, each written atomically.
 * @example await saveAdapter(model, 'out/abba-run1'); // ABBA as PEFT LoHa: PeftModel.from_pretrained reads it
 */
export async function saveAdapter(model: Module, dir: string, opts: SaveAdapterOptions = {}): Promise<void> {
  const c = adapterConfigOf(model);
  if (!c) throw new TensorError('state', 'saveAdapter: the model has no adapters (call applyAdapter first)');
  const format = formatFor(c.method, opts.format);
  const layers = adapterLayers(model);
  const { config, tensors } = format.write(c, layers);
  const settings: SavedSettings = {
    ...c,
    targetModules: targetsToJson(c.targetModules),
    excludeModules: c.excludeModules === undefined ? null : targetsToJson(c.excludeModules),
    seed: c.seed ?? null,
    modules: layers.map(([p]) => p),
  };
  const owned = new Set(layers.flatMap(([, l]) => l.adapterTensors().map(([, t]) => t)));
  try {
    await platform.mkdir(dir);
    await saveSafetensors(join(dir, WEIGHTS_FILE), tensors, { format: 'pt', [METADATA_KEY]: JSON.stringify(settings) });
    await platform.writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(config, null, 2)}\n`);
  } finally {
    for (const t of Object.values(tensors)) if (!owned.has(t)) t.dispose(); // padded or scaled copies
  }
}

/** The config a file describes: webgrad's settings when the metadata has them, else the format's. */
function savedConfig(
  format: AdapterFormat,
  json: Record<string, unknown>,
  metadata: Record<string, string>,
  source: string,
): { config: ResolvedConfig; modules?: string[] } {
  const saved = metadata[METADATA_KEY];
  if (saved === undefined) return { config: resolveConfig(format.readConfig(json, source)) };
  const s = JSON.parse(saved) as SavedSettings;
  const config = resolveConfig({
    ...s,
    targetModules: targetsFromJson(s.targetModules),
    excludeModules: s.excludeModules === null ? undefined : targetsFromJson(s.excludeModules),
    seed: s.seed ?? undefined,
  });
  if (config.method !== format.method)
    throw new TensorError('value', `loadAdapter: ${source}: a ${format.name} file holding a ${config.method} adapter`);
  return { config, modules: s.modules };
}

const COMPARED = ['method', 'r', 'r1', 'r2', 'alpha', 'alpha2', 'scaling', 'useRsLora'] as const;

/**
 * Loads an adapter saved by `saveAdapter` or by PEFT (LoRA, HiRA, LoHa as ABBA) into `model`. A
 * model without adapters gets them first (applyAdapter with the file's config); a model with
 * adapters must match the file's method, ranks, scaling and adapted modules. PEFT options webgrad
 * does not model are rejected by name; every other mismatch (config, missing or unexpected
 * modules and tensors, shapes) is reported in one error, all before anything changes. Tensors are
 * cast to the parameters' dtype and moved to their device. A merged model raises: `unmerge(model)`
 * first, so the old update does not stay folded into the base weights.
 * @example await loadAdapter(new GPT(cfg), 'out/abba-run1');
 */
export async function loadAdapter(model: Module, dir: string): Promise<void> {
  checkNotMerged('loadAdapter', model);
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  const json = JSON.parse(new TextDecoder().decode(await platform.readFile(configPath))) as Record<string, unknown>;
  const format = formatOfFile(json, configPath);
  const saved = savedConfig(format, json, await readSafetensorsMetadata(weightsPath), configPath);
  const record = await loadSafetensors(weightsPath, { device: 'cpu' });
  const fresh = !adapterConfigOf(model) && adapterLayers(model).length === 0;
  const trainable = fresh ? model.namedParameters().filter(([, p]) => p.requiresGrad) : [];
  try {
    if (fresh) {
      // Initialised from the file below, so skip the SVD.
      await applyAdapter(model, { ...saved.config, init: 'lora' });
      setAdapterConfig(model, saved.config);
    }
    await assignChecked(model, format, saved.config, saved.modules, record, dir);
  } catch (e) {
    // A failed load leaves the model as it was: the adapters it applied come off again.
    if (fresh)
      removeAdapters(
        model,
        trainable.map(([, p]) => p),
      );
    throw e;
  } finally {
    for (const t of Object.values(record)) t.dispose();
  }
}

/** Puts the base Linear layers back in place of the adapters and unfreezes `trainable` again. */
function removeAdapters(model: Module, trainable: readonly Tensor[]): void {
  for (const [path, layer] of adapterLayers(model)) {
    setSubmodule(model, path, layer.base);
    for (const [, t] of layer.adapterTensors()) t.dispose();
  }
  forgetAdapterConfig(model);
  for (const p of trainable) p.requiresGrad = true;
}

function configProblems(model: Module, file: ResolvedConfig, fileModules: string[] | undefined): string[] {
  const problems: string[] = [];
  const mine = adapterConfigOf(model);
  if (mine)
    for (const k of COMPARED)
      if (mine[k] !== file[k]) problems.push(`config ${k}: model has ${String(mine[k])}, file has ${String(file[k])}`);
  const layers = adapterLayers(model);
  const methods = new Set<AdapterMethod>(layers.map(([, l]) => l.method));
  if (!mine && (!methods.has(file.method) || methods.size !== 1))
    problems.push(`method: model has ${[...methods].join(', ')} adapters, file has ${file.method}`);
  const paths = layers.map(([p]) => p);
  if (fileModules) {
    const missing = fileModules.filter((p) => !paths.includes(p));
    const extra = paths.filter((p) => !fileModules.includes(p));
    if (missing.length) problems.push(`target modules in the file but not adapted in the model: ${missing.join(', ')}`);
    if (extra.length) problems.push(`target modules adapted in the model but not in the file: ${extra.join(', ')}`);
  }
  return problems;
}

async function assignChecked(
  model: Module,
  format: AdapterFormat,
  file: ResolvedConfig,
  fileModules: string[] | undefined,
  record: Record<string, Tensor>,
  dir: string,
): Promise<void> {
  const problems = configProblems(model, file, fileModules);
  const used = new Set<string>();
  const values: [AdapterLayer, Record<string, Tensor>][] = [];
  if (problems.length === 0)
    for (const [path, layer] of adapterLayers(model))
      values.push([layer, format.readLayer(layer, path, record, problems, used)]);
  const unexpected = Object.keys(record).filter((k) => !used.has(k));
  if (problems.length === 0 && unexpected.length)
    problems.push(`unexpected tensors in the file: ${unexpected.join(', ')}`);
  if (problems.length > 0) throw new TensorError('value', `loadAdapter(${dir}): ${problems.join('; ')}`);
  for (const [layer, fields] of values) {
    const target = layer as unknown as Record<string, Tensor>;
    for (const [field, value] of Object.entries(fields)) {
      const p = target[field] as Tensor;
      let v = value;
      if (v.dtype !== p.dtype) v = v.cast(p.dtype);
      if (v.device !== p.device) v = await v.to(p.device);
      p.assign(v.isContiguous ? v : v.contiguous());
    }
  }
}
