// What is left for a person after a plan or a run, in one place so `run`, `apply` and their
// reports agree: runbooks that are blocked, failures no runbook fixes, and any finding that
// carries explicit advice for a human (a cloud port-25 block, mixed iptables backends).
// Advisory warnings without such advice (no STARTTLS, no MX) do not make a run "need a human".

import type { Finding } from '../probes/types.js';
import type { Plan } from './plan-types.js';

export function needsHuman(plan: Plan, findings: Finding[]): string[] {
  const out: string[] = [];
  for (const rb of plan.runbooks) if (rb.status === 'blocked') out.push(`${rb.id}: ${rb.blockedReason ?? 'blocked'}`);
  for (const f of findings) {
    if (f.status !== 'fail' && f.status !== 'warn') continue;
    // Its root is listed in its own words: the consequence adds nothing a person can act on.
    if (f.explainedBy) continue;
    if (f.human) out.push(`${f.title}: ${f.human.reason}`);
    else if (f.status === 'fail' && f.fixedBy.length === 0) out.push(f.title);
  }
  return [...new Set(out)];
}
