/**
 * Adapters on disk, PEFT-style: a directory with `adapter_config.json` and
 * `adapter_model.safetensors`, tensors named `base_model.model.<module path>.<key>` where <key>
 * is the layer's declared file key (`lora_A.weight` [r, in] / `lora_B.weight` [out, r] for LoRA,
 * `lora_A1/lora_B1/lora_A2/lora_B2.weight` for ABBA as in the authors' code, `hira_A/hira_B.weight`
 * for HiRA). The JSON holds PEFT's LoRA keys (so PEFT can read a LoRA adapter), ABBA's r1, r2,
 * alpha1, alpha2 (the released code's convention: alpha1 = alpha2 = s when saved from the
 * 'rank' convention) and a `webgrad` block with the exact config and the adapted module paths.
 */
import { loadSafetensors, type Module, saveSafetensors } from '@webgrad/nn';
import { platform, type Tensor, TensorError } from '@webgrad/tensor';
import { type AdapterMethod, type ResolvedConfig, resolveConfig, scalingOf, type TargetModules } from './config.js';
import { adapterConfigOf, adapterLayers, applyAdapter, setAdapterConfig } from './inject.js';
import { checkNotMerged } from './merge.js';

const join = platform.joinPath;

export const CONFIG_FILE = 'adapter_config.json';
export const WEIGHTS_FILE = 'adapter_model.safetensors';
const PREFIX = 'base_model.model.';

type SavedTargets = string[] | { regex: string; flags: string };

interface WebgradBlock extends Omit<ResolvedConfig, 'targetModules' | 'seed'> {
  targetModules: SavedTargets;
  seed: number | null;
  modules: string[];
}

function targetsToJson(t: TargetModules): SavedTargets {
  return t instanceof RegExp ? { regex: t.source, flags: t.flags } : typeof t === 'string' ? [t] : [...t];
}

function targetsFromJson(t: SavedTargets): TargetModules {
  return Array.isArray(t) ? t : new RegExp(t.regex, t.flags);
}

/** The adapter parameters of `model` by file key. */
function adapterRecord(model: Module): Record<string, Tensor> {
  const out: Record<string, Tensor> = Object.create(null);
  for (const [path, layer] of adapterLayers(model))
    for (const [key, t] of layer.adapterTensors()) out[`${PREFIX}${path}.${key}`] = t;
  return out;
}

/**
 * Writes `model`'s adapter to `dir` (created if needed): adapter_config.json and
 * adapter_model.safetensors (written atomically).
 * @example await saveAdapter(model, 'out/abba-run1');
 */
export async function saveAdapter(model: Module, dir: string): Promise<void> {
  const c = adapterConfigOf(model);
  if (!c) throw new TensorError('state', 'saveAdapter: the model has no adapters (call applyAdapter first)');
  const modules = adapterLayers(model).map(([p]) => p);
  const targets = targetsToJson(c.targetModules);
  const s = scalingOf(c);
  const webgrad: WebgradBlock = { ...c, targetModules: targets, seed: c.seed ?? null, modules };
  const json = {
    peft_type: c.method.toUpperCase(),
    task_type: null,
    base_model_name_or_path: null,
    inference_mode: true,
    r: c.r,
    lora_alpha: c.alpha,
    lora_dropout: c.dropout,
    use_rslora: c.useRsLora,
    target_modules: Array.isArray(targets) ? targets : `.*(?:${targets.regex}).*`,
    bias: 'none',
    fan_in_fan_out: false,
    modules_to_save: null,
    // Released code: s = sqrt(alpha1) sqrt(alpha2); from the 'rank' convention, alpha1 = alpha2 = s.
    ...(c.method === 'abba'
      ? {
          r1: c.r1,
          r2: c.r2,
          ...(c.scaling === 'authors' ? { alpha1: c.alpha, alpha2: c.alpha2 } : { alpha1: s, alpha2: s }),
        }
      : {}),
    webgrad,
  };
  await platform.mkdir(dir);
  await saveSafetensors(join(dir, WEIGHTS_FILE), adapterRecord(model), { format: 'pt' });
  await platform.writeFileAtomic(join(dir, CONFIG_FILE), `${JSON.stringify(json, null, 2)}\n`);
}

/** The saved config: webgrad's block, or a plain PEFT LoRA config. */
function configFromJson(json: Record<string, unknown>, path: string): { config: ResolvedConfig; modules?: string[] } {
  const w = json.webgrad as WebgradBlock | undefined;
  if (w) {
    const config = resolveConfig({ ...w, targetModules: targetsFromJson(w.targetModules), seed: w.seed ?? undefined });
    return { config, modules: w.modules };
  }
  if (json.peft_type !== 'LORA')
    throw new TensorError('value', `loadAdapter: ${path} is neither a webgrad adapter nor a PEFT LoRA config`);
  const t = json.target_modules;
  const config = resolveConfig({
    method: 'lora',
    targetModules: typeof t === 'string' ? new RegExp(`^(?:${t})$`) : (t as string[]),
    r: json.r as number,
    alpha: json.lora_alpha as number,
    useRsLora: json.use_rslora === true,
    dropout: (json.lora_dropout as number | undefined) ?? 0,
  });
  return { config };
}

const COMPARED = ['method', 'r', 'r1', 'r2', 'alpha', 'alpha2', 'scaling', 'useRsLora'] as const;

/**
 * Loads an adapter saved by `saveAdapter` (or a PEFT LoRA adapter) into `model`. A model without
 * adapters gets them first (applyAdapter with the saved config); a model with adapters must match
 * the saved method, ranks, scaling and adapted modules. Every mismatch (config, missing or
 * unexpected modules and tensors, shapes) is reported in one error before anything changes.
 * Tensors are cast to the parameters' dtype and moved to their device. A merged model raises:
 * `unmerge(model)` first, so the old update does not stay folded into the base weights.
 * @example await loadAdapter(new GPT(cfg), 'out/abba-run1');
 */
export async function loadAdapter(model: Module, dir: string): Promise<void> {
  checkNotMerged('loadAdapter', model);
  const configPath = join(dir, CONFIG_FILE);
  const json = JSON.parse(new TextDecoder().decode(await platform.readFile(configPath))) as Record<string, unknown>;
  const saved = configFromJson(json, configPath);
  const record = await loadSafetensors(join(dir, WEIGHTS_FILE), { device: 'cpu' });
  try {
    if (!adapterConfigOf(model) && adapterLayers(model).length === 0) {
      // Initialised from the file below, so skip the SVD.
      await applyAdapter(model, { ...saved.config, init: 'lora' });
      setAdapterConfig(model, saved.config);
    }
    await assignChecked(model, saved.config, saved.modules, record, dir);
  } finally {
    for (const t of Object.values(record)) t.dispose();
  }
}

async function assignChecked(
  model: Module,
  file: ResolvedConfig,
  fileModules: string[] | undefined,
  record: Record<string, Tensor>,
  dir: string,
): Promise<void> {
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
  const wanted = adapterRecord(model);
  for (const [key, p] of Object.entries(wanted)) {
    const v = record[key];
    if (!v) problems.push(`missing tensor ${key} (expected [${p.shape.join(', ')}])`);
    else if (v.shape.join() !== p.shape.join())
      problems.push(`shape of ${key}: model has [${p.shape.join(', ')}], file has [${v.shape.join(', ')}]`);
  }
  const unexpected = Object.keys(record).filter((k) => !(k in wanted));
  if (unexpected.length) problems.push(`unexpected tensors in the file: ${unexpected.join(', ')}`);
  if (problems.length > 0) throw new TensorError('value', `loadAdapter(${dir}): ${problems.join('; ')}`);
  for (const [key, p] of Object.entries(wanted)) {
    let v = record[key] as Tensor;
    if (v.dtype !== p.dtype) v = v.cast(p.dtype);
    if (v.device !== p.device) v = await v.to(p.device);
    p.assign(v);
    if (v !== record[key]) v.dispose();
  }
}
