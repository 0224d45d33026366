// `{{ var.NAME }}`, `{{ fact.PATH }}`, `{{ profile.PATH }}` inside module args. A string that is
// exactly one template takes the referenced value with its type (a list stays a list); a
// template inside a longer string is interpolated as text. References are checked at load time.

import { UserError } from '../../core/errors.js';
import { factType } from '../../facts/paths.js';
import type { FactValue } from '../../facts/paths.js';
import { PROFILE_PATHS } from './profile-paths.js';
import { joinPath } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';
import type { JsonValue } from '../../core/json.js';
import type { VariableSpec } from './types.js';

const TEMPLATE = /\{\{\s*(var|fact|profile)\.([A-Za-z0-9_.-]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*(var|fact|profile)\.([A-Za-z0-9_.-]+)\s*\}\}$/;
const ANY_BRACES = /\{\{|\}\}/;

export type RefKind = 'var' | 'fact' | 'profile';

export interface TemplateRef {
  path: string; // field path of the string containing it
  kind: RefKind;
  name: string;
  whole: boolean;
}

export function findTemplateRefs(value: JsonValue, path: string): TemplateRef[] {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) return [{ path, kind: whole[1] as RefKind, name: whole[2] as string, whole: true }];
    return [...value.matchAll(TEMPLATE)].map((m) => ({ path, kind: m[1] as RefKind, name: m[2] as string, whole: false }));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findTemplateRefs(v, joinPath(path, i)));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => findTemplateRefs(v, joinPath(path, k)));
  return [];
}

/** Check every reference in `value`; returns the field paths whose value depends on a template. */
export function checkTemplates(value: JsonValue, path: string, src: YamlSource, variables: Record<string, VariableSpec>, errors: UserError[]): Set<string> {
  const templated = new Set<string>();
  const visit = (v: JsonValue, p: string): void => {
    if (typeof v === 'string' && ANY_BRACES.test(v) && findTemplateRefs(v, p).length === 0) {
      errors.push(new UserError(`malformed template in "${v}"`, { location: src.locate(p, 'value'), field: p, expected: '{{ var.NAME }}, {{ fact.PATH }} or {{ profile.PATH }}' }));
    }
    if (Array.isArray(v)) v.forEach((x, i) => visit(x, joinPath(p, i)));
    else if (v !== null && typeof v === 'object') Object.entries(v).forEach(([k, x]) => visit(x, joinPath(p, k)));
  };
  visit(value, path);
  for (const ref of findTemplateRefs(value, path)) {
    const known = ref.kind === 'var' ? ref.name in variables : ref.kind === 'fact' ? factType(ref.name) !== null : ref.name in PROFILE_PATHS;
    if (!known) {
      const expected = ref.kind === 'var' ? (Object.keys(variables).length ? `one of: ${Object.keys(variables).join(', ')}` : 'a variable declared under `variables:`') : ref.kind === 'fact' ? 'a known fact path' : `one of: ${Object.keys(PROFILE_PATHS).join(', ')}`;
      errors.push(new UserError(`unknown ${ref.kind === 'var' ? 'variable' : ref.kind} "${ref.name}" in template`, { location: src.locate(ref.path, 'value'), field: ref.path, expected }));
    }
    // Interpolated strings too: their final text (a path, say) is only known at plan time.
    templated.add(ref.path);
  }
  return templated;
}

export interface TemplateEnv {
  variable(name: string): JsonValue | undefined;
  fact(path: string): FactValue;
  profile(path: string): unknown;
}

export function resolveTemplates(value: JsonValue, env: TemplateEnv): JsonValue {
  const lookup = (kind: RefKind, name: string): unknown => (kind === 'var' ? env.variable(name) : kind === 'fact' ? env.fact(name) : env.profile(name));
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    if (whole) {
      const v = lookup(whole[1] as RefKind, whole[2] as string);
      return v === undefined ? null : (v as JsonValue);
    }
    return value.replace(TEMPLATE, (_, kind: RefKind, name: string) => {
      const v = lookup(kind, name);
      return v === undefined || v === null ? '' : Array.isArray(v) ? v.join(' ') : String(v);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveTemplates(v, env));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveTemplates(v, env)]));
  return value;
}
