// Stacked causes: what a plan can see up front, and what it cannot. Facts that do not depend on
// Postfix running — the firewall rules walked for the SMTP ports, who holds port 25, master.cf —
// are read before anything changes, so every layer they show is in the plan. What Postfix says to
// a client can only be heard once it runs and listens where clients arrive: a plan that starts
// it (or opens it up) says so in one line, and `run` diagnoses again after each round.

import { CAUSES } from '../probes/causes.js';
import type { Facts } from '../facts/types.js';
import type { Plan, PlannedRunbook } from './plan-types.js';

const AFTER = '`run` diagnoses again after each round and fixes what shows up then; `apply` of a saved plan stays within it unless given --converge.';

export function stackingNote(plan: Plan, facts: Facts): string | undefined {
  const ready = plan.runbooks.filter((rb) => rb.status === 'ready');
  if (ready.length === 0) return undefined;
  const fixes = (cause: string): boolean => ready.some((rb) => rb.triggeredBy.some((t) => t.cause === cause));
  if (!facts.postfix.running) return `Postfix is not running now: what it says to clients (the greeting, mail to postmaster) can only be heard once it runs. ${AFTER}`;
  if (fixes('loopback-only')) return `Postfix listens on loopback only now: what clients get on this host's own addresses can only be tried once it listens there (the firewall rules were read up front). ${AFTER}`;
  return undefined;
}

/** The layer a runbook fixes (the triage guide's walk: port owner, service, interfaces, firewall, …). */
export function layerOf(rb: Pick<PlannedRunbook, 'triggeredBy'>): string | null {
  const causes = rb.triggeredBy.map((t) => CAUSES[t.cause]).filter((c) => c !== undefined);
  causes.sort((a, b) => a.rank - b.rank);
  return causes[0]?.layer ?? null;
}

/** `port owner (port-conflict) → service (postfix-service) → firewall (firewall)`: the order runbooks run in. */
export function layerOrder(runbooks: readonly PlannedRunbook[]): string {
  return runbooks.map((rb) => `${layerOf(rb) ?? rb.id} (${rb.id})`).join(' → ');
}
