// `when` / `that` conditions: data, not shell. Parsed and checked against the known fact paths
// and the runbook's variables at load time; evaluated against facts at plan time.

import { UserError } from '../../core/errors.js';
import { factType } from '../../facts/paths.js';
import type { FactValue } from '../../facts/paths.js';
import { joinPath } from './yaml-source.js';
import type { YamlSource } from './yaml-source.js';
import type { Condition, Operand, VariableSpec, VariableValue } from './types.js';
import type { Scalar } from '../../core/json.js';

const OPERATORS = ['equals', 'in', 'contains', 'matches'] as const;
const COMBINATORS = ['all', 'any', 'not'] as const;

export interface ConditionScope {
  src: YamlSource;
  variables: Record<string, VariableSpec>;
  errors: UserError[];
}

/** Validate an already schema-checked condition; reports problems into scope.errors. */
export function parseCondition(raw: unknown, path: string, scope: ConditionScope): Condition | null {
  const fail = (message: string, field = path, expected?: string): null => {
    scope.errors.push(new UserError(message, { location: scope.src.locate(field), field, ...(expected ? { expected } : {}) }));
    return null;
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return fail('condition must be a mapping', path, 'a mapping like {fact: init.manager, equals: systemd}');
  const obj = raw as Record<string, unknown>;
  const keys = Object.keys(obj);
  const combinators = COMBINATORS.filter((k) => k in obj);
  if (combinators.length > 0) {
    if (keys.length !== 1) return fail(`"${combinators[0]}" cannot be combined with other fields (${keys.join(', ')})`);
    const k = combinators[0] as (typeof COMBINATORS)[number];
    if (k === 'not') {
      const inner = parseCondition(obj.not, joinPath(path, 'not'), scope);
      return inner ? { not: inner } : null;
    }
    const list = obj[k];
    if (!Array.isArray(list) || list.length === 0) return fail(`"${k}" needs a non-empty list of conditions`, joinPath(path, k));
    const parsed = list.map((c, i) => parseCondition(c, joinPath(joinPath(path, k), i), scope));
    if (parsed.some((c) => c === null)) return null;
    return k === 'all' ? { all: parsed as Condition[] } : { any: parsed as Condition[] };
  }

  const hasFact = 'fact' in obj;
  const hasVar = 'var' in obj;
  if (hasFact === hasVar) return fail('a condition needs exactly one of "fact" or "var"', path, '{fact: PATH, equals: VALUE} or {var: NAME, in: [...]}');
  const ops = OPERATORS.filter((k) => k in obj);
  if (ops.length !== 1) return fail(ops.length === 0 ? 'a condition needs an operator' : `only one operator allowed, found ${ops.join(', ')}`, path, 'one of equals, in, contains, matches');
  const op = ops[0] as (typeof OPERATORS)[number];

  let operand: Operand;
  let isList: boolean;
  if (hasFact) {
    const name = String(obj.fact);
    const type = factType(name);
    if (type === null) return fail(`unknown fact "${name}"`, joinPath(path, 'fact'), 'a fact path listed by `postfix-fix validate --list-facts`');
    operand = { fact: name };
    isList = type.endsWith('[]');
  } else {
    const name = String(obj.var);
    const spec = scope.variables[name];
    if (!spec) return fail(`unknown variable "${name}"`, joinPath(path, 'var'), Object.keys(scope.variables).length ? `one of: ${Object.keys(scope.variables).join(', ')}` : 'a variable declared under `variables:`');
    operand = { var: name };
    isList = spec.type.endsWith('[]');
  }
  if (op === 'contains' && !isList) return fail('"contains" works on lists only; use "equals" or "in"', joinPath(path, op));
  if (op === 'matches') {
    try {
      new RegExp(String(obj.matches));
    } catch (e) {
      return fail(`invalid regular expression: ${(e as Error).message}`, joinPath(path, op));
    }
    return { ...operand, matches: String(obj.matches) };
  }
  if (op === 'in') return { ...operand, in: obj.in as Scalar[] };
  if (op === 'contains') return { ...operand, contains: obj.contains as Scalar };
  return { ...operand, equals: obj.equals as Scalar };
}

export interface ConditionEnv {
  fact(path: string): FactValue;
  variable(name: string): VariableValue | undefined;
}

export function evaluateCondition(c: Condition, env: ConditionEnv): boolean {
  if ('all' in c) return c.all.every((x) => evaluateCondition(x, env));
  if ('any' in c) return c.any.some((x) => evaluateCondition(x, env));
  if ('not' in c) return !evaluateCondition(c.not, env);
  const value = 'fact' in c ? env.fact(c.fact) : (env.variable(c.var) ?? null);
  if ('equals' in c) return value !== null && !Array.isArray(value) && String(value) === String(c.equals);
  if ('in' in c) return value !== null && !Array.isArray(value) && c.in.some((x) => String(x) === String(value));
  if ('contains' in c) return Array.isArray(value) && (value as Scalar[]).some((x) => String(x) === String(c.contains));
  if ('matches' in c) return value !== null && new RegExp(c.matches).test(Array.isArray(value) ? value.join(' ') : String(value));
  return false;
}

/** For plans and reports: `init.manager == systemd`, `not (…)`. */
export function describeCondition(c: Condition): string {
  if ('all' in c) return c.all.map(describeCondition).join(' and ');
  if ('any' in c) return `(${c.any.map(describeCondition).join(' or ')})`;
  if ('not' in c) return `not (${describeCondition(c.not)})`;
  const lhs = 'fact' in c ? c.fact : `var.${c.var}`;
  if ('equals' in c) return `${lhs} == ${JSON.stringify(c.equals)}`;
  if ('in' in c) return `${lhs} in ${JSON.stringify(c.in)}`;
  if ('contains' in c) return `${lhs} contains ${JSON.stringify(c.contains)}`;
  return `${lhs} =~ /${c.matches}/`;
}

/** Fact paths a condition reads (for the plan's fingerprint). */
export function conditionFacts(c: Condition): string[] {
  if ('all' in c) return c.all.flatMap(conditionFacts);
  if ('any' in c) return c.any.flatMap(conditionFacts);
  if ('not' in c) return conditionFacts(c.not);
  return 'fact' in c ? [c.fact] : [];
}
