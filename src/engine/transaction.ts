// The journaled side of a run: for each approved step, re-inspect and confirm the change is still
// the one planned, journal it (fsynced) *before* touching the host, apply, journal, verify; and
// when the run fails, undo every step it applied, newest first, saying what was restored. Which
// steps to apply, and when to roll back, is the run's call (src/engine/run/).

import type { ModuleRegistry } from '../modules/registry-types.js';
import { StepFailure } from '../core/errors.js';
import type { ModuleContext } from '../modules/types.js';
import type { Check, Runbook } from './catalog/types.js';
import { runCheck } from './checks.js';
import type { CauseProbe } from './checks.js';
import type { ChangeLog } from './change-log.js';
import { maybeCrashAfter } from './failpoint.js';
import type { GuardScheduler } from './guards.js';
import { Journal, stepHistories } from './journal.js';
import type { JournalRecord } from './journal.js';
import type { PlannedCheck, PlannedRunbook, PlannedStep } from './plan-types.js';
import type { StepResult, StepResultStatus } from './run/types.js';
import { undoSteps } from './undo.js';
import type { UndoResult } from './undo.js';
import { StepError } from '../core/errors.js';

export interface TransactionOptions {
  runId: string;
  journalPath: string;
  command: string;
  version: string;
  planDigest: string | null;
  ctx: ModuleContext;
  modules: ModuleRegistry;
  runbooks: ReadonlyMap<string, Runbook>;
  guards: GuardScheduler;
  /** One line per change in the system log. */
  changeLog: ChangeLog;
  causeProbe?: CauseProbe;
  /** Fresh facts after changes, for verifications that read facts. */
  refreshFacts: () => Promise<ModuleContext['facts']>;
}

export class Transaction {
  private readonly records: JournalRecord[] = [];
  /** Steps a rollback undid: their undo records go straight to the journal, not through `records`. */
  private readonly undone = new Set<number>();

  private constructor(
    private readonly opts: TransactionOptions,
    private readonly journal: Journal,
  ) {}

  static async begin(opts: TransactionOptions): Promise<Transaction> {
    const journal = await Journal.open(opts.journalPath);
    const tx = new Transaction(opts, journal);
    await tx.record({ type: 'run-start', runId: opts.runId, at: now(), command: opts.command, version: opts.version, host: opts.ctx.facts.hostname, planDigest: opts.planDigest });
    return tx;
  }

  get ctx(): ModuleContext {
    return this.opts.ctx;
  }

  private async record(rec: JournalRecord): Promise<void> {
    await this.journal.append(rec);
    this.records.push(rec);
    maybeCrashAfter(rec);
  }

  private result(step: PlannedStep, status: StepResultStatus, started: number, extra: Partial<StepResult> = {}): StepResult {
    return { seq: step.seq, stepId: step.stepId, runbook: step.runbook, name: step.name, risk: step.risk, status, diff: step.change?.diff ?? [], evidence: [], durationMs: Date.now() - started, ...extra };
  }

  /**
   * Apply one approved step: `changed`, or `ok` when the host already is as planned. Throws
   * StepError on failure (the run then rolls back).
   */
  async applyStep(step: PlannedStep): Promise<StepResult> {
    const started = Date.now();
    if (step.status !== 'change' || !step.change) throw new Error(`step ${step.seq} has no planned change to apply`);

    const mod = this.opts.modules.action(step.module);
    if (!mod) throw new StepError(`module ${step.module} is not available`, step, []);
    const ctx = this.opts.ctx;
    // Just-in-time re-inspection: the plan must still be true (earlier steps, other admins).
    const state = await mod.inspect(ctx, step.args);
    const change = mod.diff(ctx, step.args, state);
    if (!change) return this.result(step, 'ok', started, { reason: 'already in the desired state when applied' });
    if (JSON.stringify(change.intent) !== JSON.stringify(step.change.intent)) {
      throw new StepError('the host changed since the plan was made: this step would now make a different change', step, ['planned:', ...step.change.diff, 'now:', ...change.diff]);
    }

    const seq = step.seq;
    await this.record({ type: 'step-intent', seq, at: now(), stepId: step.stepId, runbook: step.runbook, name: step.name, module: step.module, args: step.args, change, rollback: step.rollback });
    if (change.temporary) {
      const deadline = new Date(Date.now() + change.temporary.seconds * 1000);
      const g = await this.opts.guards.schedule(this.opts.runId, seq, deadline);
      await this.record({ type: 'guard-scheduled', seq, at: now(), deadline: deadline.toISOString(), mechanism: g.mechanism, handle: g.handle });
    }
    let applied;
    try {
      applied = await mod.apply(ctx, step.args, change);
    } catch (e) {
      const evidence = e instanceof StepFailure ? e.evidence : [String((e as Error).stack ?? e)];
      await this.record({ type: 'step-failed', seq, at: now(), error: (e as Error).message, evidence });
      throw new StepError((e as Error).message, step, evidence);
    }
    await this.record({ type: 'step-applied', seq, at: now(), applied: applied ?? null });
    const outcome = await mod.verify(ctx, step.args, change);
    await this.record({ type: 'step-verified', seq, at: now(), outcome });
    await this.opts.changeLog.record(`step ${seq} [${step.runbook}] ${step.name}: ${change.summary}${outcome.ok ? '' : ' (verification FAILED)'}`);
    if (!outcome.ok) {
      throw new StepError('verification failed: the change did not take effect', step, outcome.evidence);
    }
    return this.result(step, 'changed', started, { evidence: outcome.evidence });
  }

  /** After a runbook's steps: its verifications, against a fresh look at the host. */
  async verifyRunbook(prb: PlannedRunbook): Promise<PlannedCheck[]> {
    const rb = this.opts.runbooks.get(prb.id);
    if (!rb) throw new Error(`runbook ${prb.id} vanished`);
    const facts = await this.opts.refreshFacts();
    this.opts.ctx.facts = facts;
    const env = { ctx: this.opts.ctx, modules: this.opts.modules, variables: prb.variables, ...(this.opts.causeProbe ? { causeProbe: this.opts.causeProbe } : {}) };
    // Read-only checks: run them together — the runbook's own proofs first (a check module may
    // wait for a daemon just started to answer), then diagnose's `gone` checks against facts
    // gathered after those passed, not before (a policy server still binding its port would be
    // "found down" by a snapshot taken the instant its unit started).
    const checks = prb.verify.map((planned, i) => ({ planned, check: rb.verify[i] as Check, i }));
    const own = await Promise.all(checks.filter((c) => c.check.kind !== 'gone').map(async (c) => ({ i: c.i, result: await runCheck(c.planned, c.check, env) })));
    const gone = checks.filter((c) => c.check.kind === 'gone');
    if (gone.length > 0 && own.length > 0) this.opts.ctx.facts = await this.opts.refreshFacts();
    const after = await Promise.all(gone.map(async (c) => ({ i: c.i, result: await runCheck(c.planned, c.check, env) })));
    return [...own, ...after].sort((a, b) => a.i - b.i).map((x) => x.result);
  }

  /** A further round of a converging run, journaled (durable) before its first step. */
  async beginRound(round: number, runbooks: string[], causes: string[], planDigest: string): Promise<void> {
    await this.record({ type: 'round-start', round, at: now(), runbooks, causes, planDigest });
  }

  /** Changes this run applied (or began to apply), oldest first. */
  appliedHistories() {
    return stepHistories(this.records).filter((h) => !h.undone && !this.undone.has(h.seq));
  }

  async rollback(by: string): Promise<UndoResult[]> {
    const histories = this.appliedHistories();
    const results = await undoSteps(histories, this.opts.ctx, this.opts.modules, this.journal, by);
    for (const r of results) await this.opts.changeLog.record(`step ${r.seq} ${r.name}: ${r.ok ? 'undone' : `NOT undone (${r.error ?? 'failed'})`} (${by})`);
    for (const r of results) if (r.ok) this.undone.add(r.seq);
    for (const h of histories) if (h.guard) await this.opts.guards.cancel(h.guard.mechanism, h.guard.handle);
    return results;
  }

  /**
   * Temporary changes end with the run, whatever happened — except those kept until their
   * deadline, which a failed run has already rolled back and a successful one leaves to their guard.
   */
  async endTemporary(): Promise<UndoResult[]> {
    const temp = this.appliedHistories().filter((h) => h.intent.change.temporary && !h.intent.change.temporary.untilDeadline);
    const results = await undoSteps(temp, this.opts.ctx, this.opts.modules, this.journal, 'end of run (temporary change)');
    for (const r of results) if (r.ok) this.undone.add(r.seq);
    for (const h of temp) if (h.guard) await this.opts.guards.cancel(h.guard.mechanism, h.guard.handle);
    return results;
  }

  /** Temporary changes this run leaves in force until their deadline, with who ends them. */
  temporaryInForce(): Array<{ seq: number; name: string; summary: string; deadline: string | null; mechanism: string | null }> {
    return this.appliedHistories()
      .filter((h) => h.intent.change.temporary?.untilDeadline === true)
      .map((h) => ({ seq: h.seq, name: h.intent.name, summary: h.intent.change.summary, deadline: h.guard?.deadline ?? null, mechanism: h.guard?.mechanism ?? null }));
  }

  async end(status: string): Promise<void> {
    await this.record({ type: 'run-end', at: now(), status });
    await this.journal.close();
  }
}

function now(): string {
  return new Date().toISOString();
}
