// Runbook YAML → a validated Runbook, or every problem found, each with file:line:column.

import { createHash } from 'node:crypto';
import runbookSchema from '../../../schemas/runbook.schema.json' with { type: 'json' };
import { UserError, UserErrors } from '../../core/errors.js';
import { isKnownCause } from '../../probes/causes.js';
import type { ModuleRegistry } from '../../modules/registry-types.js';
import { validateWith } from '../../core/validate.js';
import { parseCondition } from './conditions.js';
import { schemaErrorsToUserErrors } from './schema-errors.js';
import { checkTemplates } from './templates.js';
import { joinPath, lazyLocation } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';
import type { Check, Condition, Runbook, Step, StepAction, VariableSpec, VariableType, VariableValue } from './types.js';
import type { JsonObject } from '../../core/json.js';
import type { Risk } from '../../core/risk.js';

export function parseRunbook(src: YamlSource, modules: ModuleRegistry): Runbook {
  const raw = src.value;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError('a runbook must be a YAML mapping', { location: src.locate(''), expected: 'fields id, title, description, symptoms, steps, verify' });
  }
  const schemaErrors = schemaErrorsToUserErrors(src, validateWith(runbookSchema, raw));
  if (schemaErrors.length > 0) throw new UserErrors(schemaErrors);

  const doc = raw as Record<string, unknown>;
  const errors: UserError[] = [];
  const id = doc.id as string;
  const variables = parseVariables(src, (doc.variables ?? {}) as Record<string, Record<string, unknown>>, errors);
  const scope = { src, variables, errors };

  for (const [i, s] of ((doc.symptoms as string[]) ?? []).entries()) {
    if (!isKnownCause(s)) errors.push(new UserError(`unknown symptom "${s}"`, { location: src.locate(joinPath('symptoms', i), 'value'), field: joinPath('symptoms', i), expected: 'a cause id reported by diagnose (see `postfix-fix list --causes`)' }));
  }

  const parseAction = (action: Record<string, unknown>, path: string): StepAction | null => {
    const name = action.module as string;
    const mod = modules.action(name);
    if (!mod) {
      errors.push(new UserError(`unknown module "${name}"`, { location: src.locate(joinPath(path, 'module'), 'value'), field: joinPath(path, 'module'), expected: `one of: ${modules.actionNames().join(', ')}` }));
      return null;
    }
    const args = (action.args ?? {}) as JsonObject;
    checkModuleArgs(src, mod.argsSchema, args, joinPath(path, 'args'), variables, errors);
    return { module: name, args };
  };

  const steps: Step[] = [];
  for (const [i, rawStep] of (doc.steps as Array<Record<string, unknown>>).entries()) {
    const path = joinPath('steps', i);
    const action = parseAction(rawStep, path);
    let when: Condition | null | undefined;
    if (rawStep.when !== undefined) when = parseCondition(rawStep.when, joinPath(path, 'when'), scope);
    let rollback: Step['rollback'] | null | undefined;
    if (rawStep.rollback !== undefined) {
      const rbPath = joinPath(path, 'rollback');
      const rb = parseAction(rawStep.rollback as Record<string, unknown>, rbPath);
      rollback = rb && { ...rb, location: lazyLocation(src, rbPath) };
    }
    if (!action || when === null || rollback === null) continue;
    steps.push({
      id: `${id}#${i + 1}`,
      name: rawStep.name as string,
      risk: rawStep.risk as Risk,
      ...action,
      ...(when ? { when } : {}),
      ...(rollback ? { rollback } : {}),
      location: lazyLocation(src, path),
    });
  }

  const parseChecks = (key: 'preconditions' | 'verify'): Check[] => {
    const out: Check[] = [];
    for (const [i, c] of ((doc[key] ?? []) as Array<Record<string, unknown>>).entries()) {
      const path = joinPath(key, i);
      const location = lazyLocation(src, path);
      const forms = (['that', 'module', 'gone'] as const).filter((k) => c[k] !== undefined);
      if (key === 'preconditions' && forms.includes('gone')) {
        errors.push(new UserError('"gone" checks belong under verify: a precondition is evaluated before anything changes', { location, field: joinPath(path, 'gone'), expected: 'that or module' }));
        continue;
      }
      if (forms.length !== 1) {
        errors.push(new UserError(forms.length === 0 ? 'a check needs one of "that", "module" or "gone"' : `a check takes only one of ${forms.join(', ')}`, { location, field: path, expected: '{name, that: CONDITION} | {name, module, args} | {name, gone: CAUSE}' }));
        continue;
      }
      if (c.args !== undefined && forms[0] !== 'module') {
        errors.push(new UserError('"args" is only allowed with "module"', { location: src.locate(joinPath(path, 'args')), field: joinPath(path, 'args') }));
        continue;
      }
      const name = c.name as string;
      if (forms[0] === 'that') {
        const that = parseCondition(c.that, joinPath(path, 'that'), scope);
        if (that) out.push({ kind: 'that', name, that, location });
      } else if (forms[0] === 'gone') {
        const cause = c.gone as string;
        if (!isKnownCause(cause)) errors.push(new UserError(`unknown cause "${cause}"`, { location: src.locate(joinPath(path, 'gone'), 'value'), field: joinPath(path, 'gone'), expected: 'a cause id reported by diagnose' }));
        else out.push({ kind: 'gone', name, cause, location });
      } else {
        const moduleName = c.module as string;
        const mod = modules.check(moduleName);
        if (!mod) {
          errors.push(new UserError(`unknown check module "${moduleName}"`, { location: src.locate(joinPath(path, 'module'), 'value'), field: joinPath(path, 'module'), expected: `one of: ${modules.checkNames().join(', ')}` }));
          continue;
        }
        const args = (c.args ?? {}) as JsonObject;
        checkModuleArgs(src, mod.argsSchema, args, joinPath(path, 'args'), variables, errors);
        out.push({ kind: 'module', name, module: moduleName, args, location });
      }
    }
    return out;
  };
  const preconditions = parseChecks('preconditions');
  const verify = parseChecks('verify');

  if (errors.length > 0) throw new UserErrors(errors);
  return {
    id,
    title: doc.title as string,
    description: (doc.description as string).trim(),
    symptoms: (doc.symptoms as string[]) ?? [],
    after: (doc.after as string[]) ?? [],
    onRequest: doc.on_request === true,
    variables,
    preconditions,
    steps,
    verify,
    source: { file: src.file, sha256: createHash('sha256').update(src.text).digest('hex') },
  };
}

function checkModuleArgs(src: YamlSource, schema: Record<string, unknown>, args: JsonObject, path: string, variables: Record<string, VariableSpec>, errors: UserError[]): void {
  const templated = checkTemplates(args, path, src, variables, errors);
  // A templated value is only known at plan time; it is checked again then, fully.
  const underTemplate = (p: string): boolean => [...templated].some((t) => p === t || p.startsWith(t + '.') || p.startsWith(t + '['));
  errors.push(...schemaErrorsToUserErrors(src, validateWith(schema, args), path, underTemplate));
}

const VALUE_CHECK: Readonly<Record<VariableType, (v: unknown) => boolean>> = {
  string: (v) => typeof v === 'string',
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  'string[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  'number[]': (v) => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)),
};

function parseVariables(src: YamlSource, raw: Record<string, Record<string, unknown>>, errors: UserError[]): Record<string, VariableSpec> {
  const out: Record<string, VariableSpec> = {};
  for (const [name, spec] of Object.entries(raw)) {
    const path = joinPath('variables', name);
    const type = spec.type as VariableType;
    const def = spec.default;
    if (!VALUE_CHECK[type](def)) {
      errors.push(new UserError('default does not match the declared type', { location: src.locate(joinPath(path, 'default'), 'value'), field: joinPath(path, 'default'), expected: `a ${type}` }));
      continue;
    }
    const allowed = spec.enum as Array<string | number | boolean> | undefined;
    if (allowed) {
      const values = Array.isArray(def) ? def : [def];
      const bad = values.find((v) => !allowed.some((a) => a === v));
      if (bad !== undefined) {
        errors.push(new UserError(`default ${JSON.stringify(bad)} is not among the allowed values`, { location: src.locate(joinPath(path, 'default'), 'value'), field: joinPath(path, 'default'), expected: `one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}` }));
        continue;
      }
    }
    out[name] = { type, default: def as VariableValue, description: spec.description as string, ...(allowed ? { enum: allowed } : {}) };
  }
  return out;
}

/** Parse a `--var NAME=VALUE` value by the variable's declared type. */
export function parseVariableValue(name: string, text: string, spec: VariableSpec): VariableValue {
  const bad = (expected: string): never => {
    throw new UserError(`--var ${name}: invalid value ${JSON.stringify(text)}`, { expected });
  };
  const num = (s: string): number => {
    const t = s.trim();
    // 400 nines match the pattern too, and are Infinity.
    if (!/^-?\d+(\.\d+)?$/.test(t) || !Number.isFinite(Number(t))) bad(spec.type === 'number' ? 'a number' : 'numbers separated by commas, e.g. 25,587');
    return Number(t);
  };
  let value: VariableValue;
  switch (spec.type) {
    case 'string':
      value = text;
      break;
    case 'number':
      value = num(text);
      break;
    case 'boolean':
      if (!/^(true|false|yes|no)$/i.test(text)) bad('true or false');
      value = /^(true|yes)$/i.test(text);
      break;
    case 'string[]':
      value = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
      break;
    case 'number[]':
      value = text.split(',').filter((s) => s.trim() !== '').map(num);
      break;
  }
  if (Array.isArray(value) && value.length === 0) bad('at least one value');
  if (spec.enum) {
    const values: Array<string | number | boolean> = Array.isArray(value) ? value : [value];
    const wrong = values.find((v) => !spec.enum?.some((a) => String(a) === String(v)));
    if (wrong !== undefined) bad(`one of ${spec.enum.map((a) => JSON.stringify(a)).join(', ')}`);
  }
  return value;
}
