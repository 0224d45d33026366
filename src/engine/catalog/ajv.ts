// One Ajv instance, compiled lazily: only commands that load YAML pay for it.

import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';

let instance: Ajv | null = null;
const cache = new Map<object, ValidateFunction>();

export function compileSchema(schema: object): ValidateFunction {
  let fn = cache.get(schema);
  if (!fn) {
    instance ??= new Ajv({ allErrors: true, strict: false, verbose: true });
    fn = instance.compile(schema);
    cache.set(schema, fn);
  }
  return fn;
}

export function validateWith(schema: object, value: unknown): ErrorObject[] {
  const fn = compileSchema(schema);
  return fn(value) ? [] : [...(fn.errors ?? [])];
}
