// Preconditions and verifications: `that` (a condition on facts), `module` (a read-only check
// module) or `gone` (a diagnose cause that must no longer be found).

import { readFact } from '../facts/paths.js';
import type { Facts } from '../facts/types.js';
import type { ModuleRegistry } from '../modules/registry-types.js';
import type { ModuleContext } from '../modules/types.js';
import { conditionFacts, describeCondition, evaluateCondition } from './catalog/conditions.js';
import type { Check, VariableValue } from './catalog/types.js';
import type { PlannedCheck } from './plan-types.js';
import { resolveArgs } from './resolve-args.js';

/** Re-runs diagnose for one cause; supplied by the caller (the probes live elsewhere). */
export type CauseProbe = (cause: string, facts: Facts) => Promise<{ found: boolean; evidence: string[] }>;

export interface CheckEnv {
  ctx: ModuleContext;
  modules: ModuleRegistry;
  variables: Record<string, VariableValue>;
  causeProbe?: CauseProbe;
}

/** The check as planned (described, args resolved) without running it. */
export function describeCheck(check: Check, env: CheckEnv): PlannedCheck {
  switch (check.kind) {
    case 'that':
      return { name: check.name, kind: 'that', description: describeCondition(check.that), ok: null, evidence: [] };
    case 'gone':
      return { name: check.name, kind: 'gone', description: `diagnose no longer finds ${check.cause}`, ok: null, evidence: [], cause: check.cause };
    case 'module': {
      const mod = env.modules.check(check.module);
      if (!mod) throw new Error(`check module ${check.module} vanished`);
      const args = resolveArgs(check.args, mod.argsSchema, { facts: env.ctx.facts, profile: env.ctx.profile, variables: env.variables }, check.location, `check "${check.name}"`);
      return { name: check.name, kind: 'module', description: mod.describe(args), ok: null, evidence: [], module: check.module, args };
    }
  }
}

/** Run a planned check against the host as it is now. */
export async function runCheck(planned: PlannedCheck, check: Check, env: CheckEnv): Promise<PlannedCheck> {
  switch (check.kind) {
    case 'that': {
      const ok = evaluateCondition(check.that, { fact: (p) => readFact(env.ctx.facts, p), variable: (n) => env.variables[n] });
      const evidence = [...new Set(conditionFacts(check.that))].map((p) => `${p} = ${JSON.stringify(readFact(env.ctx.facts, p))}`);
      return { ...planned, ok, evidence };
    }
    case 'module': {
      const mod = env.modules.check(check.module);
      if (!mod || !planned.args) throw new Error(`check module ${check.module} vanished`);
      const outcome = await mod.check(env.ctx, planned.args);
      return { ...planned, ok: outcome.ok, evidence: outcome.evidence };
    }
    case 'gone': {
      if (!env.causeProbe) return { ...planned, ok: null, evidence: ['not checked: diagnose is not available here'] };
      const r = await env.causeProbe(check.cause, env.ctx.facts);
      return { ...planned, ok: !r.found, evidence: r.evidence };
    }
  }
}
