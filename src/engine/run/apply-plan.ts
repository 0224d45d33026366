// The headless run: apply a plan, prove it, and on any failure (a step, a verification, an
// abort, a signal) roll back everything the run applied; end temporary changes on every path;
// say what is left for a person. No terminal, no prompt, no printing: a caller steers through
// `decide` and watches through `onEvent`, and gets a typed outcome back.

import type { Finding } from '../../probes/types.js';
import { needsHuman as needsHumanFor } from '../needs-human.js';
import type { Plan } from '../plan-types.js';
import type { UndoResult } from '../undo.js';
import type { RunEvent } from './events.js';
import { exitCodeFor } from './exit-code.js';
import { classifyFailure } from './failure.js';
import type { RunFailure } from './failure.js';
import { RunLedger } from './ledger.js';
import { openRun } from './open-run.js';
import { stillFound } from './re-diagnose.js';
import { endTemporary, rollBack } from './recover.js';
import { applyRound, pendingChanges } from './round.js';
import { openSession } from './session.js';
import { settledStatus, withNeedsHuman } from './status.js';
import type { Decide, RunDeps, RunOutcome } from './types.js';

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
  try {
    // One round today. Converging adds rounds here: diagnose again, plan what this round
    // revealed, applyRound(next, s) — the same session, journal and ledger (`rollback --last`
    // then undoes every round, newest first), with step numbers continuing across rounds.
    await applyRound(plan, s);
    s.checkSignal();
  } catch (e) {
    failure = classifyFailure(e);
    rollback = await rollBack(failure, s);
  }
  const temporaryEnded = await endTemporary(s);
  const applyMs = Date.now() - startedAt;

  const settled = settledStatus(failure, rollback, temporaryEnded, ledger.changed());
  let remaining: Finding[] = [];
  // The advice of a failure the run made go away (a refusal whose milter now answers) is no
  // longer anyone's to follow: only what is still found after the run speaks for the findings.
  let findingsLeft: readonly Finding[] = plan.findings;
  if (settled === 'changed') {
    remaining = await stillFound(plan.findings, ledger.verifications(), deps.causeProbe, deps.refreshFacts);
    listener.emit({ type: 're-diagnosis', remaining });
    // Gone: proven by a runbook's own `gone` check, or a failure re-probed and not found.
    const gone = new Set(ledger.verifications().filter((v) => v.kind === 'gone' && v.ok === true).map((v) => v.cause));
    const still = new Set(remaining.map((f) => f.cause));
    findingsLeft = plan.findings.filter((f) => !(f.cause && (gone.has(f.cause) || (deps.causeProbe && f.status === 'fail' && !still.has(f.cause)))));
  }
  const needsHuman = [...needsHumanFor(plan, [...findingsLeft]), ...ledger.declinedReasons()];
  // A safeguard weakened on request stays so after the run: whoever reads the report must know until when.
  for (const t of run.tx.temporaryInForce()) {
    needsHuman.push(`still in force after this run: step ${t.seq} ${t.name} (${t.summary}) — undone ${t.deadline ? `at ${t.deadline} by a ${t.mechanism === 'systemd-timer' ? 'systemd timer' : 'watchdog process'}` : 'by no guard (none was scheduled)'}, or sooner with \`postfix-fix rollback --last\``);
  }
  needsHuman.push(...remaining.map((f) => `still found after the run: ${f.title}`));
  const status = withNeedsHuman(settled, needsHuman);
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
    error: failure?.error ?? null,
    timing: { startedAt, endedAt: Date.now(), applyMs },
  });
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
