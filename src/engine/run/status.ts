// The run's status, from what happened: the rollback decides between "rolled back" and
// "incomplete"; a temporary change that could not be ended counts as an incomplete rollback
// (the host is not as it was, and not as it should be).

import type { UndoResult } from '../undo.js';
import type { RunFailure } from './failure.js';
import type { RunStatus } from './types.js';

export function settledStatus(failure: RunFailure | null, rollback: readonly UndoResult[] | null, temporaryEnded: readonly UndoResult[], changed: boolean): RunStatus {
  if (temporaryEnded.some((r) => !r.ok)) return 'rollback-incomplete';
  if (failure) return (rollback ?? []).every((r) => r.ok) ? failure.status : 'rollback-incomplete';
  return changed ? 'changed' : 'nothing-to-do';
}

/** Nothing changed, yet something is left for a person: the run did not make the host healthy. */
export function withNeedsHuman(status: RunStatus, needsHuman: readonly string[]): RunStatus {
  return status === 'nothing-to-do' && needsHuman.length > 0 ? 'needs-human' : status;
}
