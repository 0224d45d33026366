// A policy file for teams that hand postfix-fix to automation: which runbooks may run and the
// riskiest step allowed. A forbidden runbook stays in the plan, blocked, with the reason — so the
// report says what was not done and why.

import policySchema from '../../schemas/policy.schema.json' with { type: 'json' };
import { UserError, UserErrors } from '../core/errors.js';
import { validateWith } from '../core/validate.js';
import { schemaErrorsToUserErrors } from './catalog/schema-errors.js';
import { readYamlFile } from './catalog/yaml-source.js';
import { RISK_RANK } from '../core/risk.js';
import type { Risk } from '../core/risk.js';
import type { Plan } from './plan-types.js';

export interface Policy {
  file: string;
  maxRisk?: Risk;
  allow?: string[];
  forbid?: string[];
}

export function loadPolicy(file: string, knownRunbooks?: Set<string>): Policy {
  const src = readYamlFile(file);
  const v = src.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new UserError('a policy must be a YAML mapping', { location: src.locate(''), expected: 'max_risk, allow, forbid' });
  const errors = schemaErrorsToUserErrors(src, validateWith(policySchema, v));
  const doc = v as { max_risk?: Risk; allow?: string[]; forbid?: string[] };
  if (knownRunbooks) {
    for (const key of ['allow', 'forbid'] as const) {
      // Only a list is checked here; anything else already has its schema error.
      const ids: unknown = doc[key];
      if (Array.isArray(ids)) ids.forEach((id, i) => {
        if (typeof id === 'string' && !knownRunbooks.has(id)) errors.push(new UserError(`unknown runbook "${id}"`, { location: src.locate(`${key}[${i}]`, 'value'), field: `${key}[${i}]`, expected: `one of: ${[...knownRunbooks].sort().join(', ')}` }));
      });
    }
  }
  if (errors.length) throw new UserErrors(errors);
  return { file, ...(doc.max_risk ? { maxRisk: doc.max_risk } : {}), ...(doc.allow ? { allow: doc.allow } : {}), ...(doc.forbid ? { forbid: doc.forbid } : {}) };
}

export function applyPolicy(plan: Plan, policy: Policy, cliMaxRisk: Risk): { plan: Plan; maxRisk: Risk } {
  const maxRisk = policy.maxRisk && RISK_RANK[policy.maxRisk] < RISK_RANK[cliMaxRisk] ? policy.maxRisk : cliMaxRisk;
  const runbooks = plan.runbooks.map((rb) => {
    const forbidden = policy.forbid?.includes(rb.id) ? 'forbidden' : policy.allow && !policy.allow.includes(rb.id) ? 'not in the allow list' : null;
    if (!forbidden || rb.status === 'blocked') return rb;
    return { ...rb, status: 'blocked' as const, blockedReason: `${forbidden} of policy ${policy.file}` };
  });
  const blocked = runbooks.filter((r) => r.status === 'blocked').map((r) => r.id);
  const changes = runbooks.filter((r) => r.status === 'ready').flatMap((r) => r.steps.filter((s) => s.status === 'change')).length;
  return { plan: { ...plan, runbooks, summary: { ...plan.summary, blocked, changes } }, maxRisk };
}
