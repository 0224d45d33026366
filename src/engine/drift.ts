// A saved plan applies only to the state it was made from. Before `apply` changes anything, every
// thing the plan committed to is checked again, and each difference is named.

import { createHash } from 'node:crypto';
import { readFact } from '../facts/paths.js';
import type { Facts } from '../facts/types.js';
import type { ModuleRegistry } from '../modules/registry-types.js';
import type { ModuleContext } from '../modules/types.js';
import type { Catalog } from './catalog/types.js';
import type { Profile } from '../core/profile.js';
import type { Plan } from './plan-types.js';
import { planDigest } from './planner.js';

export interface DriftInput {
  plan: Plan;
  catalog: Catalog;
  modules: ModuleRegistry;
  ctx: ModuleContext;
  profile: Profile;
  facts: Facts;
}

const show = (v: unknown): string => JSON.stringify(v) ?? 'undefined';

export async function findDrift(i: DriftInput): Promise<string[]> {
  const drift: string[] = [];
  if (planDigest(i.plan) !== i.plan.fingerprint.digest) drift.push('the plan file was modified after it was made (its fingerprint does not match its content)');
  if (i.plan.profile.id !== i.profile.id) drift.push(`profile: the plan was made for ${i.plan.profile.id}, this host matches ${i.profile.id}`);
  else if (i.plan.profile.sha256 !== i.profile.source.sha256) drift.push(`profile ${i.profile.id}: its file changed since the plan was made`);
  if (i.plan.host.hostname !== i.facts.hostname) drift.push(`hostname: was ${i.plan.host.hostname}, now ${i.facts.hostname}`);
  for (const [path, was] of Object.entries(i.plan.fingerprint.facts)) {
    const now = readFact(i.facts, path);
    if (show(now) !== show(was)) drift.push(`fact ${path}: was ${show(was)}, now ${show(now)}`);
  }
  for (const rb of i.plan.runbooks) {
    const current = i.catalog.runbooks.get(rb.id);
    if (!current) {
      drift.push(`runbook ${rb.id}: no longer exists`);
      continue;
    }
    if (current.source.sha256 !== rb.sha256) {
      drift.push(`runbook ${rb.id}: ${current.source.file} changed since the plan was made`);
      continue;
    }
    if (rb.status !== 'ready') continue;
    for (const step of rb.steps) {
      if (!step.stateDigest || (step.status !== 'change' && step.status !== 'ok')) continue;
      const mod = i.modules.action(step.module);
      if (!mod) {
        drift.push(`step ${step.seq} (${step.name}): module ${step.module} is not available`);
        continue;
      }
      try {
        const state = await mod.inspect(i.ctx, step.args);
        const digest = createHash('sha256').update(JSON.stringify(state)).digest('hex');
        if (digest === step.stateDigest) continue;
        const change = mod.diff(i.ctx, step.args, state);
        const planned = step.change?.diff ?? [];
        const nowDiff = change?.diff ?? [];
        drift.push(
          JSON.stringify(planned) === JSON.stringify(nowDiff)
            ? `step ${step.seq} (${step.name}): the state it was planned from changed`
            : `step ${step.seq} (${step.name}): would now ${change ? 'make a different change' : 'change nothing'}\n      planned: ${planned.join('\n               ') || '(nothing)'}\n      now:     ${nowDiff.join('\n               ') || '(nothing)'}`,
        );
      } catch (e) {
        drift.push(`step ${step.seq} (${step.name}): cannot be inspected now: ${(e as Error).message}`);
      }
    }
  }
  return drift;
}
