/**
 * PEFT config options, checked before an adapter is loaded. A PEFT `adapter_config.json` lists
 * every option of its type with its value. webgrad models some of them; some only describe how
 * the file was made (PEFT's version, the base model's name, how the weights were initialised);
 * everything else must hold its neutral value (null, false, 'none', 0, empty), because a file that
 * turns it on describes a function webgrad would not compute. Such an option is rejected by name.
 */
import { TensorError } from '@webgrad/tensor';

/** Options that describe the file, not the function it computes. */
const INFORMATIONAL = new Set([
  'peft_type',
  'peft_version',
  'task_type',
  'base_model_name_or_path',
  'revision',
  'inference_mode',
  'auto_mapping',
  // How fresh adapter weights were initialised: the saved weights already carry the result.
  'init_lora_weights',
  'init_weights',
  'loftq_config',
  'eva_config',
  'corda_config',
  'lora_ga_config',
  // Settings of features whose switch is a separate, checked option.
  'megatron_core',
  'qalora_group_size',
  'layers_pattern',
  'runtime_config',
  'ensure_weight_tying',
]);

function isNeutral(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === 'none' || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

/**
 * Throws a TensorError naming every option of `json` that is neither `modelled` nor informational
 * and is set to a non-neutral value.
 * @example checkPeftOptions(json, ['r', 'lora_alpha', 'target_modules'], 'adapter_config.json', 'LoRA');
 */
export function checkPeftOptions(
  json: Record<string, unknown>,
  modelled: readonly string[],
  source: string,
  method: string,
): void {
  const bad = Object.entries(json).filter(([k, v]) => !modelled.includes(k) && !INFORMATIONAL.has(k) && !isNeutral(v));
  if (bad.length > 0)
    throw new TensorError(
      'value',
      `loadAdapter: ${source}: PEFT ${method} option${bad.length > 1 ? 's' : ''} ${bad.map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ')} ${bad.length > 1 ? 'are' : 'is'} not supported by webgrad (it would compute a different function); supported options: ${modelled.join(', ')}`,
    );
}
