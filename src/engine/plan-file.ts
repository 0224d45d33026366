// Reading a saved plan: it is checked against schemas/plan.schema.json like every other file
// postfix-fix reads, and a bad one is a user error naming the field and where it is; a plan from
// another version of postfix-fix is refused clearly (its modules may mean something else).

import { readFileSync } from 'node:fs';
import planSchema from '../../schemas/plan.schema.json' with { type: 'json' };
import { RefusedError, UserError, UserErrors } from '../core/errors.js';
import type { SourceLocation } from '../core/errors.js';
import { validateWith } from '../core/validate.js';
import { schemaErrorsToUserErrors } from './catalog/schema-errors.js';
import { parseYaml } from './catalog/yaml-source.js';
import type { YamlSource } from './catalog/yaml-source.js';
import { PLAN_SCHEMA_VERSION } from './plan-types.js';
import type { Plan } from './plan-types.js';

const NOT_A_PLAN = 'not a valid postfix-fix plan';

function position(text: string, message: string): { line: number; column: number } {
  const m = /position (\d+)/.exec(message);
  if (!m) return { line: 1, column: 1 };
  const offset = Number(m[1]);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Where each field of the (already parsed) JSON is: JSON is YAML, and the YAML loader keeps
 * positions. Only computed for a plan that is wrong; one too deep or too large for that loader
 * is located at its start.
 */
function located(file: string, text: string, value: unknown): YamlSource {
  try {
    return parseYaml(file, text);
  } catch {
    const start: SourceLocation = { file, line: 1, column: 1 };
    return { file, text, value, positions: new Map(), locate: () => start };
  }
}

function invalid(file: string, text: string, value: unknown): UserError {
  const found = schemaErrorsToUserErrors(located(file, text, value), [...validateWith(planSchema, value)]);
  const errors = found.map((e, i) => new UserError(`${NOT_A_PLAN}: ${e.message}`, { ...e.details, ...(i === found.length - 1 ? { hints: ['a plan file is what `postfix-fix plan --out FILE` wrote, unedited'] } : {}) }));
  return errors.length === 1 ? (errors[0] as UserError) : new UserErrors(errors);
}

export function readPlanFile(file: string, version: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read plan file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { location: { file, line: 1, column: 1 } });
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new UserError(`not a plan file: invalid JSON (${(e as Error).message})`, { location: { file, ...position(text, (e as Error).message) } });
  }
  // Whose file and which format come first: a plan of another version is refused (exit 5)
  // before its content is judged by this version's schema.
  if (!isObj(v) || !isObj(v.tool) || v.tool.name !== 'postfix-fix') throw invalid(file, text, v);
  const where = { location: { file, line: 1, column: 1 } };
  if (v.schemaVersion !== PLAN_SCHEMA_VERSION) throw new RefusedError(`plan format version ${String(v.schemaVersion)} is not ${PLAN_SCHEMA_VERSION}: make a new plan with this version of postfix-fix`, where);
  if (v.tool.version !== version) throw new RefusedError(`the plan was made by postfix-fix ${String(v.tool.version)}; this is ${version}. Make a new plan with this version (its modules may behave differently).`, where);
  if (validateWith(planSchema, v).length > 0) throw invalid(file, text, v);
  return v as unknown as Plan;
}
