// Converging: a fix can reveal a cause that was hidden behind it (what Postfix says to clients
// can only be heard once it runs). After each round the run diagnoses again and, when runbooks
// it has not run yet now have something to fix, plans them as a further round — in the same
// session: one run id, one journal (`rollback --last` undoes every round, newest first), step
// numbers continuing upward, the same decide (so --max-risk, the policy and an interactive
// operator's questions apply to the new steps as to the first).
//
// Bounded twice: each runbook runs at most once in a run, and there are at most maxRounds rounds.

import type { Facts } from '../../facts/types.js';
import type { Finding } from '../../probes/types.js';
import { RISK_RANK } from '../../core/risk.js';
import type { Risk } from '../../core/risk.js';
import type { Plan, PlannedRunbook } from '../plan-types.js';
import { applyRound } from './round.js';
import type { RunSession } from './session.js';
import type { ConvergeDeps, RoundSummary } from './types.js';

/** Where the run stands after its last round: what diagnose found then, and the plan for it. */
export interface Settled {
  facts: Facts;
  findings: Finding[];
  /** The plan for those findings (blocked runbooks say why in it); null when it could not be made. */
  plan: Plan | null;
  /** Runbooks that had something to fix but were not run, each with why (round limit, outside a saved plan). */
  withheld: Array<{ runbook: string; why: string }>;
  /** Why converging stopped short, when it did (diagnose or the planner failed after a round). */
  notes: string[];
}

/** Causes that put a plan's runbooks in it. */
export function causesOf(runbooks: readonly PlannedRunbook[]): string[] {
  return [...new Set(runbooks.flatMap((rb) => rb.triggeredBy.map((t) => t.cause)))];
}

/** Run one round and account for it. */
export async function runRound(round: number, plan: Plan, causes: string[], s: RunSession, rounds: RoundSummary[]): Promise<void> {
  const ready = plan.runbooks.filter((rb) => rb.status === 'ready');
  rounds.push({ round, runbooks: ready.map((rb) => rb.id), causes, steps: ready.flatMap((rb) => rb.steps.filter((st) => st.status === 'change').map((st) => st.seq)) });
  await applyRound(plan, s);
}

/** A fresh look at the host, handed to the modules of the next round as well. */
export async function freshFacts(s: RunSession): Promise<Facts> {
  const facts = await s.deps.refreshFacts();
  s.tx.ctx.facts = facts;
  return facts;
}

/** The problems a diagnosis found that a person or a runbook must deal with. */
export function problemsIn(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => !f.explainedBy && (f.status === 'fail' || (f.status === 'warn' && (f.fixedBy.length > 0 || f.human !== undefined))));
}

/**
 * After the first round: diagnose, plan, and run further rounds while they have something to
 * fix. Returns where the host stands once nothing more may be done.
 */
export async function convergeRounds(c: ConvergeDeps, s: RunSession, rounds: RoundSummary[], firstPlan: Plan): Promise<Settled> {
  let lastSeq = maxSeq(firstPlan);
  for (let round = 2; ; round++) {
    const facts = await freshFacts(s);
    const looked = await look(c, facts);
    if ('error' in looked) {
      // What the rounds so far fixed, each proven at its layer, stays: a failed look after them is
      // no reason to undo them. The end-to-end proof still runs; a person is told why it stopped.
      const why = `could not diagnose again after round ${round - 1}: ${looked.error}`;
      s.emit({ type: 're-diagnosis', round: round - 1, remaining: [], next: [], why });
      return { facts, findings: looked.findings, plan: null, withheld: [], notes: [why] };
    }
    const { findings, plan: fresh } = looked;
    const { next, withheld } = pick(fresh, s, c, round);
    s.emit({
      type: 're-diagnosis',
      round: round - 1,
      remaining: problemsIn(findings),
      next: next.map((rb) => rb.id),
      why: next.length > 0 ? `round ${round} fixes what round ${round - 1} revealed` : withheld.length > 0 ? withheld.map((w) => `${w.runbook}: ${w.why}`).join('; ') : 'nothing left that a runbook of this run may fix',
    });
    if (next.length === 0) return { facts, findings, plan: fresh, withheld, notes: [] };
    const plan = roundPlan(fresh, next, lastSeq);
    lastSeq = maxSeq(plan);
    const causes = causesOf(plan.runbooks);
    await s.tx.beginRound(round, plan.runbooks.map((rb) => rb.id), causes, plan.fingerprint.digest);
    s.emit({ type: 'round-start', round, plan, causes });
    await runRound(round, plan, causes, s, rounds);
    s.checkSignal();
  }
}

async function look(c: ConvergeDeps, facts: Facts): Promise<{ findings: Finding[]; plan: Plan } | { error: string; findings: Finding[] }> {
  let findings: Finding[] = [];
  try {
    findings = await c.diagnose(facts);
    return { findings, plan: await c.plan(findings, facts) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), findings };
  }
}

/** The runbooks of a fresh plan the next round runs, and those it may not (with why). */
function pick(fresh: Plan, s: RunSession, c: ConvergeDeps, round: number): { next: PlannedRunbook[]; withheld: Settled['withheld'] } {
  const candidates = fresh.runbooks.filter((rb) => rb.status === 'ready' && !s.ledger.ran(rb.id) && s.ledger.declined(rb.id) === undefined);
  const withheld: Settled['withheld'] = [];
  const next: PlannedRunbook[] = [];
  for (const rb of candidates) {
    if (c.within !== null && !c.within.has(rb.id)) withheld.push({ runbook: rb.id, why: 'revealed after the saved plan, which does not list it (apply --converge would run it, or run a new plan)' });
    else if (round > c.maxRounds) withheld.push({ runbook: rb.id, why: `not run: the run stops after ${c.maxRounds} rounds` });
    else next.push(rb);
  }
  return { next, withheld };
}

/** A further round's plan: only its runbooks, with step numbers continuing after the last round's. */
function roundPlan(fresh: Plan, runbooks: PlannedRunbook[], lastSeq: number): Plan {
  let seq = lastSeq;
  const renumbered = runbooks.map((rb) => ({ ...rb, steps: rb.steps.map((st) => ({ ...st, seq: ++seq })) }));
  const changes = renumbered.flatMap((rb) => rb.steps.filter((st) => st.status === 'change'));
  const maxRisk = changes.reduce<Risk | null>((m, st) => (m === null || RISK_RANK[st.risk] > RISK_RANK[m] ? st.risk : m), null);
  return { ...fresh, runbooks: renumbered, summary: { changes: changes.length, maxRisk, blocked: [] } };
}

function maxSeq(plan: Plan): number {
  return Math.max(0, ...plan.runbooks.flatMap((rb) => rb.steps.map((st) => st.seq)));
}
