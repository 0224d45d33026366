// The ways back: after a failure, undo everything the run applied, newest first; and on every
// path, end the temporary changes (setenforce 0, a rule on trial) that are still in force.

import type { UndoResult } from '../undo.js';
import type { RunFailure } from './failure.js';
import type { RunSession } from './session.js';

export async function rollBack(failure: RunFailure, s: RunSession): Promise<UndoResult[]> {
  s.emit({ type: 'failure', kind: failure.kind, message: failure.error.message, evidence: failure.error.evidence });
  s.emit({ type: 'rollback-start', reason: failure.rollbackBy, steps: s.tx.appliedHistories().length });
  const undone = await s.tx.rollback(failure.rollbackBy);
  for (const result of undone) s.emit({ type: 'rollback-step', result });
  return undone;
}

export async function endTemporary(s: RunSession): Promise<UndoResult[]> {
  const results = await s.tx.endTemporary();
  s.emit({ type: 'temporary-ended', results });
  return results;
}
