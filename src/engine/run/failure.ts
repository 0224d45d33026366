// Why a run stopped, decided once from the error that stopped it: the event renderers show, the
// error the report carries, the reason journaled with each undo, and the status it ends in.

import { AbortRequested, Interrupted, StepError, VerificationFailed } from '../../core/errors.js';
import type { FailureKind } from './events.js';
import type { RunError, RunStatus } from './types.js';

export interface RunFailure {
  kind: FailureKind;
  error: RunError;
  /** Journaled as `by` on each undo record (`postfix-fix rollback --list` shows it). */
  rollbackBy: string;
  /** The status when the rollback restored everything. */
  status: Extract<RunStatus, 'failed-rolled-back' | 'aborted' | 'interrupted'>;
}

export function classifyFailure(e: unknown): RunFailure {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof AbortRequested) return { kind: 'aborted', error: { message, evidence: [] }, rollbackBy: 'operator abort', status: 'aborted' };
  if (e instanceof Interrupted) return { kind: 'interrupted', error: { message, evidence: [] }, rollbackBy: 'signal', status: 'interrupted' };
  if (e instanceof StepError) return { kind: 'step-failed', error: { message, evidence: [...e.evidence] }, rollbackBy: 'step failure', status: 'failed-rolled-back' };
  if (e instanceof VerificationFailed) return { kind: 'verification-failed', error: { message, evidence: e.checks.flatMap((c) => c.evidence) }, rollbackBy: 'step failure', status: 'failed-rolled-back' };
  // Not a failure the run foresaw: a bug (ours or a module's). The stack is what a bug report needs.
  return { kind: 'internal', error: { message, evidence: [String((e as Error | undefined)?.stack ?? e)] }, rollbackBy: 'step failure', status: 'failed-rolled-back' };
}
