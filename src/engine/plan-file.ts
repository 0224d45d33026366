// Reading a saved plan: a bad file is a user error with a position, a plan from another version
// of postfix-fix is refused clearly (its modules may mean something else).

import { readFileSync } from 'node:fs';
import { RefusedError, UserError } from '../core/errors.js';
import { PLAN_SCHEMA_VERSION } from './plan-types.js';
import type { Plan } from './plan-types.js';

function position(text: string, message: string): { line: number; column: number } {
  const m = /position (\d+)/.exec(message);
  if (!m) return { line: 1, column: 1 };
  const offset = Number(m[1]);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

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
  const bad = (field: string, expected: string): never => {
    throw new UserError('not a valid postfix-fix plan', { location: { file, line: 1, column: 1 }, field, expected });
  };
  if (!isObj(v)) bad('(document)', 'a JSON object written by `postfix-fix plan --out`');
  const p = v as Record<string, unknown>;
  if (!isObj(p.tool) || p.tool.name !== 'postfix-fix') bad('tool.name', '"postfix-fix"');
  if (p.schemaVersion !== PLAN_SCHEMA_VERSION) throw new RefusedError(`plan format version ${String(p.schemaVersion)} is not ${PLAN_SCHEMA_VERSION}: make a new plan with this version of postfix-fix`, { location: { file, line: 1, column: 1 } });
  const tool = p.tool as Record<string, unknown>;
  if (tool.version !== version) throw new RefusedError(`the plan was made by postfix-fix ${String(tool.version)}; this is ${version}. Make a new plan with this version (its modules may behave differently).`, { location: { file, line: 1, column: 1 } });
  if (!Array.isArray(p.runbooks) || !p.runbooks.every((r) => isObj(r) && typeof r.id === 'string' && typeof r.sha256 === 'string' && Array.isArray(r.steps) && Array.isArray(r.verify) && r.verify.every(isObj) && isObj(r.variables)))
    bad('runbooks', 'a list of planned runbooks (id, sha256, variables, steps, verify)');
  for (const r of p.runbooks as Array<Record<string, unknown>>) {
    for (const s of r.steps as unknown[]) {
      if (!isObj(s) || typeof s.seq !== 'number' || typeof s.module !== 'string' || typeof s.stepId !== 'string' || !isObj(s.args) || typeof s.status !== 'string') bad(`runbooks[${String(r.id)}].steps`, 'planned steps (seq, stepId, module, args, status)');
      const st = s as Record<string, unknown>;
      if (st.rollback !== undefined && st.rollback !== null && !(isObj(st.rollback) && typeof st.rollback.module === 'string' && isObj(st.rollback.args))) bad(`runbooks[${String(r.id)}].steps[${String(st.seq)}].rollback`, 'null or an explicit rollback action (module, args)');
      if (st.status === 'change' && (!isObj(st.change) || !Array.isArray((st.change as Record<string, unknown>).diff))) bad(`runbooks[${String(r.id)}].steps[${String(st.seq)}].change`, 'a change with a diff');
    }
  }
  if (!isObj(p.fingerprint) || typeof p.fingerprint.digest !== 'string' || !isObj(p.fingerprint.facts)) bad('fingerprint', 'facts and digest');
  if (!isObj(p.profile) || typeof p.profile.id !== 'string' || !isObj(p.host) || !Array.isArray(p.findings) || !isObj(p.summary)) bad('profile/host/findings/summary', 'the fields `plan --out` writes');
  return v as Plan;
}
