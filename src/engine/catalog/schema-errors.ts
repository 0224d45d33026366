// Turn ajv's errors into UserErrors that point at file:line:column and say, in words, what was
// expected — the message a person fixing a runbook at 3 a.m. can act on.

import type { ErrorObject } from 'ajv';
import { UserError } from '../../core/errors.js';
import { joinPath } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';

/** `/steps/0/args` → `steps[0].args` */
export function pointerToPath(pointer: string): string {
  if (pointer === '') return '';
  let path = '';
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    path = /^\d+$/.test(seg) ? joinPath(path, Number(seg)) : joinPath(path, seg);
  }
  return path;
}

export function schemaErrorsToUserErrors(src: YamlSource, errors: ErrorObject[], basePath = '', skipField?: (field: string) => boolean): UserError[] {
  const out: UserError[] = [];
  const seen = new Set<string>();
  // `if/then` wrappers repeat the inner error; keep the specific ones.
  for (const e of errors.filter((e) => e.keyword !== 'if')) {
    const rel = pointerToPath(e.instancePath);
    const path = basePath && rel ? `${basePath}.${rel}`.replace('.[', '[') : basePath || rel;
    const { message, field, expected, at } = describe(e, path);
    const key = `${field}|${message}`;
    // Skipped before locating: a location costs a full parse of a file the build already parsed.
    if (seen.has(key) || skipField?.(field)) continue;
    seen.add(key);
    out.push(new UserError(message, { location: src.locate(at, at === path ? 'value' : 'key'), field: field || '(document)', ...(expected ? { expected } : {}) }));
  }
  return out;
}

function describe(e: ErrorObject, path: string): { message: string; field: string; expected?: string; at: string } {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = String(p.additionalProperty);
      const field = joinPath(path, extra);
      return { message: `unknown field "${extra}"`, field, at: field, expected: allowedKeys(e) };
    }
    case 'required': {
      const missing = String(p.missingProperty);
      return { message: `missing required field "${missing}"`, field: joinPath(path, missing), at: path };
    }
    case 'type':
      return { message: 'wrong type', field: path, at: path, expected: String(p.type).replace(/,/g, ' or ') };
    case 'enum':
      return { message: 'value not allowed', field: path, at: path, expected: `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { message: 'value not allowed', field: path, at: path, expected: JSON.stringify(p.allowedValue) };
    case 'pattern':
      return { message: 'value has the wrong format', field: path, at: path, expected: `a string matching ${String(p.pattern)}` };
    case 'minItems':
      return { message: `list is too short`, field: path, at: path, expected: `at least ${String(p.limit)} item(s)` };
    case 'maxItems':
      return { message: `list is too long`, field: path, at: path, expected: `at most ${String(p.limit)} item(s)` };
    case 'minLength':
      return { message: p.limit === 1 ? 'empty string' : 'string is too short', field: path, at: path, expected: `at least ${String(p.limit)} character(s)` };
    case 'maxLength':
      return { message: 'string is too long', field: path, at: path, expected: `at most ${String(p.limit)} characters` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { message: 'number out of range', field: path, at: path, expected: `${String(p.comparison)} ${String(p.limit)}` };
    case 'uniqueItems':
      return { message: `duplicate items (positions ${String(p.j)} and ${String(p.i)})`, field: path, at: path };
    case 'minProperties':
      return { message: 'empty mapping', field: path, at: path, expected: `at least ${String(p.limit)} field(s)` };
    case 'propertyNames':
      return { message: `invalid key "${String(p.propertyName)}"`, field: path, at: path };
    case 'oneOf':
    case 'anyOf':
      return { message: 'value does not match any allowed form', field: path, at: path };
    default:
      return { message: e.message ?? `invalid (${e.keyword})`, field: path, at: path };
  }
}

function allowedKeys(e: ErrorObject): string | undefined {
  const props = (e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  if (!props) return undefined;
  const keys = Object.keys(props).filter((k) => k !== '$schema');
  return keys.length > 0 ? `one of: ${keys.join(', ')}` : undefined;
}
