// Schema validation with validators compiled at build time (validators.generated.ts, from
// scripts/gen-validators.ts). Compiling ~15 schemas with ajv at every start cost more than a
// healthy-host `plan` may take in total; a schema missing from the generated set (a stale
// build during development) is compiled here instead, and a unit test keeps the set complete.

import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { AJV_OPTIONS } from './ajv-options.js';
import { schemaKey } from './schema-key.js';
import * as generated from './validators.generated.js';

const precompiled = generated as unknown as Record<string, ValidateFunction | undefined>;
let instance: Ajv | null = null;
const compiled = new Map<string, ValidateFunction>();

export function compileSchema(schema: object): ValidateFunction {
  const key = schemaKey(schema);
  const ready = precompiled[key] ?? compiled.get(key);
  if (ready) return ready;
  instance ??= new Ajv(AJV_OPTIONS);
  const fn = instance.compile(schema);
  compiled.set(key, fn);
  return fn;
}

export function validateWith(schema: object, value: unknown): ErrorObject[] {
  const fn = compileSchema(schema);
  return fn(value) ? [] : [...(fn.errors ?? [])];
}

/** For the test that keeps the generated set complete. */
export function isPrecompiled(schema: object): boolean {
  return precompiled[schemaKey(schema)] !== undefined;
}
