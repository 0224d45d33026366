// Runbook variables: defaults from the runbook, overridden by `--var NAME=VALUE`, parsed by the
// declared type. An override that no selected runbook declares is an error (a typo must not be
// silently ignored on a production host).

import { UserError } from '../core/errors.js';
import { parseVariableValue } from './catalog/runbook.js';
import type { Runbook, VariableValue } from './catalog/types.js';

/** A value longer than this is not a setting but a mistake (or an attempt to smuggle one in). */
export const MAX_VAR_LENGTH = 4096;

export function parseVarFlags(flags: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of flags) {
    const eq = f.indexOf('=');
    const shown = f.length > 80 ? `${JSON.stringify(f.slice(0, 60))}… (${f.length} characters)` : JSON.stringify(f);
    if (eq <= 0) throw new UserError(`--var ${shown}: expected NAME=VALUE`, { expected: 'e.g. --var ports=25,587' });
    const name = f.slice(0, eq);
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new UserError(`--var ${shown}: invalid variable name`, { expected: 'lower-case letters, digits and _' });
    if (out.has(name)) throw new UserError(`--var ${name} given twice`);
    const value = f.slice(eq + 1);
    if (value.length > MAX_VAR_LENGTH) throw new UserError(`--var ${name}: value too long (${value.length} characters)`, { expected: `at most ${MAX_VAR_LENGTH} characters` });
    // A newline would become a second main.cf line; no setting needs a control character.
    if (/[\u0000-\u001f\u007f]/.test(value)) throw new UserError(`--var ${name}: the value contains a control character (newline, tab, NUL, …)`, { expected: 'printable text' });
    out.set(name, value);
  }
  return out;
}

/**
 * A --var must be declared by some runbook (a typo is an error), and by a planned one when any
 * is planned. On a healthy host nothing is planned: the same provisioning command then simply
 * has nothing to do, rather than failing.
 */
export function checkVarsDeclared(overrides: Map<string, string>, planned: Runbook[], catalog: Iterable<Runbook>): void {
  const all = [...catalog];
  for (const name of overrides.keys()) {
    const scope = planned.length > 0 ? planned : all;
    if (!scope.some((rb) => name in rb.variables)) {
      const declared = [...new Set(scope.flatMap((rb) => Object.keys(rb.variables)))].sort();
      throw new UserError(`--var ${name}: no ${planned.length > 0 ? 'runbook in this plan' : 'runbook'} declares it`, { expected: declared.length ? `one of: ${declared.join(', ')}` : 'no variables (the planned runbooks declare none)' });
    }
  }
}

export function resolveVariables(rb: Runbook, overrides: Map<string, string>): Record<string, VariableValue> {
  const out: Record<string, VariableValue> = {};
  for (const [name, spec] of Object.entries(rb.variables)) {
    const raw = overrides.get(name);
    out[name] = raw === undefined ? spec.default : parseVariableValue(name, raw, spec);
  }
  return out;
}
