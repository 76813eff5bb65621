import { describe, expect, it } from 'vitest';
import { duplicateTopLevelKey } from '../src/json-keys.js';

describe('duplicateTopLevelKey', () => {
  it.each([
    ['{"a":1,"b":2}', undefined],
    ['{"a":1,"a":2}', 'a'],
    ['{"a":{"x":1,"x":2},"b":["a","a"]}', undefined], // nested duplicates and string values do not count
    ['{"q\\"u":1, "b":"q\\"u", "q\\"u" :3}', 'q"u'],
    ['{ "k" : {"k":1} , "k":[{"k":2}] }', 'k'],
  ])('%s -> %s', (text, want) => {
    JSON.parse(text); // the inputs are valid JSON
    expect(duplicateTopLevelKey(text)).toBe(want);
  });
});
