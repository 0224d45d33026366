// The headless run: apply a plan in rounds, prove each runbook's own layer as it goes, prove
// end to end once at the end; on any failure (a step, a layer's verification, an abort, a signal)
// roll back everything the run applied, every round; end temporary changes on every path; say
// what is left for a person. No terminal, no prompt, no printing: a caller steers through
// `decide` and watches through `onEvent`, and gets a typed outcome back.

import type { Finding } from '../../probes/types.js';
import { causeRank } from '../../probes/finding.js';
import { needsHuman as needsHumanFor } from '../needs-human.js';
import type { Plan } from '../plan-types.js';
import type { UndoResult } from '../undo.js';
import type { RunEvent } from './events.js';
import { exitCodeFor } from './exit-code.js';
import { classifyFailure } from './failure.js';
import type { RunFailure } from './failure.js';
import { causesOf, convergeRounds, freshFacts, runRound } from './converge.js';
import type { Settled } from './converge.js';
import { RunLedger } from './ledger.js';
import { leftOver, proofLine } from './left-over.js';
import { openRun } from './open-run.js';
import { stillFound } from './re-diagnose.js';
import { endTemporary, rollBack } from './recover.js';
import { pendingChanges } from './round.js';
import { openSession } from './session.js';
import type { RunSession } from './session.js';
import { settledStatus, withNeedsHuman } from './status.js';
import type { Decide, Proof, RoundSummary, RunDeps, RunOutcome } from './types.js';

export interface ApplyOptions {
  decide: Decide;
  /** Renderers listen here; a listener never changes what the run does. */
  onEvent?: (e: RunEvent) => void;
  /** SIGINT/SIGTERM as the caller sees them: the run stops between steps and rolls back. */
  signal?: AbortSignal;
}

export async function applyPlan(plan: Plan, deps: RunDeps, opts: ApplyOptions): Promise<RunOutcome> {
  const startedAt = Date.now();
  const listener = isolate(opts.onEvent);
  if (pendingChanges(plan) === 0) return listener.finish(idleOutcome(plan, startedAt));

  const run = await openRun(plan, deps);
  const ledger = new RunLedger();
  const s = openSession(deps, run.tx, ledger, opts.decide, listener.emit, opts.signal);
  listener.emit({ type: 'run-start', runId: run.runId, journal: run.journal, plan });

  let failure: RunFailure | null = null;
  let rollback: UndoResult[] | null = null;
  const rounds: RoundSummary[] = [];
  let settled: Settled | null = null;
  try {
    await runRound(1, plan, causesOf(plan.runbooks.filter((rb) => rb.status === 'ready')), s, rounds);
    s.checkSignal();
    if (deps.converge) settled = await convergeRounds(deps.converge, s, rounds, plan);
  } catch (e) {
    failure = classifyFailure(e);
    rollback = await rollBack(failure, s);
  }
  const temporaryEnded = await endTemporary(s);
  const applyMs = Date.now() - startedAt;

  const status0 = settledStatus(failure, rollback, temporaryEnded, ledger.changed());
  let needsHuman = [...needsHumanFor(plan, plan.findings), ...ledger.declinedReasons()];
  let remaining: Finding[] = [];
  let proof: Proof | null = null;
  if (status0 === 'changed') {
    if (deps.converge && settled) {
      // The last round's diagnosis looked at the host just now, unless a temporary change ended since.
      if (deps.proveEndToEnd) proof = await prove(s, deps.proveEndToEnd, temporaryEnded.length > 0);
      // Where the host stands: the last round's diagnosis, unless something changed since or the
      // proof failed and must be explained by a fresh look.
      if (temporaryEnded.length > 0 || (proof && !proof.ok)) settled = await settleAgain(deps, s, settled);
      remaining = settled.findings.filter((f) => f.status === 'fail' && !f.explainedBy);
      if (proof && !proof.ok) proof = { ...proof, blocking: byRank(remaining) };
      needsHuman = leftOver(settled, ledger, proof);
    } else {
      remaining = await stillFound(plan.findings, ledger.verifications(), deps.causeProbe, deps.refreshFacts);
      listener.emit({ type: 're-diagnosis', remaining });
      // A failure the run made go away (mail refused until a table was built) needs no one: of the
      // failures, only those still found are left for a person (without a way to re-probe, nothing
      // is known to be gone).
      // Gone too: a cause a runbook's own `gone` check proved absent (a warning with advice, say).
      const still = new Set(remaining.map((x) => x.cause));
      const gone = new Set(ledger.verifications().filter((v) => v.kind === 'gone' && v.ok === true).map((v) => v.cause));
      const left = plan.findings.filter((x) => !(x.cause && (gone.has(x.cause) || (deps.causeProbe && x.status === 'fail' && !still.has(x.cause)))));
      needsHuman = [...needsHumanFor(plan, left), ...ledger.declinedReasons(), ...remaining.map((x) => `still found after the run: ${x.title}`)];
      if (deps.proveEndToEnd) proof = await prove(s, deps.proveEndToEnd, true);
      if (proof && !proof.ok) needsHuman.push(proofLine(proof));
    }
    if (proof) listener.emit({ type: 'proof-done', proof });
  }
  // A safeguard weakened on request stays so after the run: whoever reads the report must know until when.
  for (const t of run.tx.temporaryInForce()) {
    needsHuman.push(`still in force after this run: step ${t.seq} ${t.name} (${t.summary}) — undone ${t.deadline ? `at ${t.deadline} by a ${t.mechanism === 'systemd-timer' ? 'systemd timer' : 'watchdog process'}` : 'by no guard (none was scheduled)'}, or sooner with \`postfix-fix rollback --last\``);
  }
  needsHuman = [...new Set(needsHuman)];
  const status = withNeedsHuman(status0, needsHuman);
  await run.tx.end(status);

  return listener.finish({
    runId: run.runId,
    journal: run.journal,
    status,
    exitCode: exitCodeFor(status, needsHuman.length > 0),
    findings: plan.findings,
    steps: ledger.steps(rollback),
    verifications: ledger.verifications(),
    rollback,
    temporaryEnded,
    needsHuman,
    remaining,
    rounds,
    proof,
    error: failure?.error ?? null,
    timing: { startedAt, endedAt: Date.now(), applyMs },
  });
}

/** The end-to-end proof against a fresh look at the host. */
async function prove(s: RunSession, check: NonNullable<RunDeps['proveEndToEnd']>, refresh: boolean): Promise<Proof> {
  s.emit({ type: 'proof-start' });
  if (refresh) await freshFacts(s);
  const checks = await check(s.tx.ctx);
  return { ok: checks.every((c) => c.ok !== false), checks, blocking: [] };
}

async function settleAgain(deps: RunDeps, s: RunSession, before: Settled): Promise<Settled> {
  const c = deps.converge;
  if (!c) return before;
  const facts = await freshFacts(s);
  try {
    const findings = await c.diagnose(facts);
    return { ...before, facts, findings, plan: await c.plan(findings, facts) };
  } catch (e) {
    return { ...before, notes: [...before.notes, `could not diagnose again after the run: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

function byRank(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => causeRank(a.cause) - causeRank(b.cause));
}

/** Nothing to change: no run is opened (no journal, nothing to roll back), only the accounting. */
function idleOutcome(plan: Plan, startedAt: number): RunOutcome {
  const needsHuman = needsHumanFor(plan, plan.findings);
  const status = withNeedsHuman('nothing-to-do', needsHuman);
  return {
    runId: null,
    journal: null,
    status,
    exitCode: exitCodeFor(status, needsHuman.length > 0),
    findings: plan.findings,
    steps: [],
    verifications: [],
    rollback: null,
    temporaryEnded: [],
    needsHuman,
    remaining: [],
    rounds: [],
    proof: null,
    error: null,
    timing: { startedAt, endedAt: Date.now(), applyMs: 0 },
  };
}

/**
 * A listener that throws is a renderer's bug: the run must not stop half-done because of it, so
 * the error is held and thrown once the run is over and its journal closed.
 */
function isolate(onEvent: ((e: RunEvent) => void) | undefined) {
  let broken: unknown = null;
  const emit = (e: RunEvent): void => {
    if (!onEvent || broken !== null) return;
    try {
      onEvent(e);
    } catch (err) {
      broken = err;
    }
  };
  return {
    emit,
    finish(outcome: RunOutcome): RunOutcome {
      emit({ type: 'run-end', outcome });
      if (broken !== null) throw broken;
      return outcome;
    },
  };
}
