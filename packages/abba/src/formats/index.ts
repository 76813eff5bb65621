/** The adapter file formats, and which one a method is saved in by default. */
import { TensorError } from '@webgrad/tensor';
import type { AdapterMethod } from '../config.js';
import { abbaAuthors } from './abba-authors.js';
import { peftHira } from './peft-hira.js';
import { peftLoha } from './peft-loha.js';
import { peftLora } from './peft-lora.js';
import type { AdapterFormat, AdapterFormatName } from './types.js';

export type { AdapterFiles, AdapterFormat, AdapterFormatName } from './types.js';

/** Every adapter file format by name (see `AdapterFormatName`). */
export const FORMATS: Readonly<Record<AdapterFormatName, AdapterFormat>> = {
  'peft-lora': peftLora,
  'peft-hira': peftHira,
  'peft-loha': peftLoha,
  'abba-authors': abbaAuthors,
};

/** Each method's default: the PEFT type PEFT loads it as (ABBA: LoHa, the same update). */
const DEFAULT_FORMAT: Readonly<Record<AdapterMethod, AdapterFormatName>> = {
  lora: 'peft-lora',
  hira: 'peft-hira',
  abba: 'peft-loha',
};

/** The format `method` is saved in: `name`, checked against the method, or the method's default. */
export function formatFor(method: AdapterMethod, name: AdapterFormatName | undefined): AdapterFormat {
  const format = FORMATS[name ?? DEFAULT_FORMAT[method]];
  if (!format)
    throw new TensorError(
      'value',
      `saveAdapter: unknown format '${name}' (formats: ${Object.keys(FORMATS).join(', ')})`,
    );
  if (format.method !== method)
    throw new TensorError(
      'value',
      `saveAdapter: format '${format.name}' stores ${format.method} adapters, the model has ${method} adapters (${method}'s formats: ${Object.values(
        FORMATS,
      )
        .filter((f) => f.method === method)
        .map((f) => f.name)
        .join(', ')})`,
    );
  return format;
}

/** The format of an adapter_config.json object. */
export function formatOfFile(json: Record<string, unknown>, source: string): AdapterFormat {
  const format = Object.values(FORMATS).find((f) => f.recognises(json));
  if (!format)
    throw new TensorError(
      'value',
      `loadAdapter: ${source} is not an adapter format webgrad reads (peft_type ${JSON.stringify(json.peft_type)}; readable: PEFT LORA, HIRA, LOHA, and the ABBA authors' layout)`,
    );
  return format;
}
