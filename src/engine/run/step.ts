// One step of a run: settled by the plan (nothing to change), declined with its runbook, or
// decided and then applied through the transaction. Every step considered gets a result.

import { AbortRequested, StepError } from '../../core/errors.js';
import type { PlannedStep } from '../plan-types.js';
import type { RunSession } from './session.js';
import type { StepResult, StepResultStatus } from './types.js';

export async function runStep(step: PlannedStep, s: RunSession): Promise<void> {
  s.checkSignal();
  s.emit({ type: 'step-start', step });
  const started = Date.now();
  const settled = await settle(step, s, started);
  const result = settled ?? (await apply(step, s, started));
  s.ledger.record(result);
  s.emit({ type: 'step-done', step, result });
  s.checkSignal();
}

function result(step: PlannedStep, status: StepResultStatus, started: number, extra: Partial<StepResult> = {}): StepResult {
  return { seq: step.seq, stepId: step.stepId, runbook: step.runbook, name: step.name, risk: step.risk, status, diff: step.change?.diff ?? [], evidence: [], durationMs: Date.now() - started, ...extra };
}

/** The result when the step is not applied; undefined when the caller agreed to apply it. */
async function settle(step: PlannedStep, s: RunSession, started: number): Promise<StepResult | undefined> {
  // A runbook that must come after a declined one would build on a fix that was not made.
  const dependency = s.deps.runbooks.get(step.runbook)?.after.find((d) => s.ledger.declined(d) !== undefined);
  if (dependency) s.ledger.decline(step.runbook, `skipped because ${dependency}, which must succeed first, was not applied`);
  const declined = s.ledger.declined(step.runbook);
  if (declined) return result(step, 'skipped', started, { reason: declined });
  if (step.status !== 'change' || !step.change) return result(step, step.status === 'ok' ? 'ok' : 'skipped', started, step.reason ? { reason: step.reason } : {});

  const decision = await s.decide(step);
  if (decision === 'abort') throw new AbortRequested();
  if (decision === 'skip') {
    s.ledger.decline(step.runbook, `skipped because step ${step.seq} ("${step.name}") was not applied`);
    return result(step, 'skipped', started, { reason: 'not applied (declined or above the allowed risk)' });
  }
  return undefined;
}

async function apply(step: PlannedStep, s: RunSession, started: number): Promise<StepResult> {
  try {
    return await s.tx.applyStep(step);
  } catch (e) {
    if (!(e instanceof StepError)) throw e;
    const failed = result(step, 'failed', started, { reason: e.message, evidence: [...e.evidence] });
    s.ledger.record(failed);
    s.emit({ type: 'step-done', step, result: failed });
    throw e;
  }
}
