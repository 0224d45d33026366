// Verification as a phase of its own, called where the run wants proof. Today: each runbook's
// checks right after its steps, so a failure stops the run before the next runbook builds on it.
// A converging run keeps this per-runbook proof and adds the end-to-end one after all rounds.

import { VerificationFailed } from '../../core/errors.js';
import type { PlannedRunbook } from '../plan-types.js';
import type { RunSession } from './session.js';

export async function verifyRunbook(rb: PlannedRunbook, s: RunSession): Promise<void> {
  if (s.ledger.declined(rb.id) !== undefined || !s.ledger.changed(rb.steps.map((x) => x.seq))) {
    s.emit({ type: 'verify-skip', runbook: rb, reason: 'nothing was changed by it' });
    return;
  }
  s.emit({ type: 'verify-start', runbook: rb });
  const checks = await s.tx.verifyRunbook(rb);
  s.ledger.verified(rb.id, checks);
  const ok = !checks.some((c) => c.ok === false);
  s.emit({ type: 'verify-done', runbook: rb, checks, ok });
  if (!ok) throw new VerificationFailed(rb.id, checks);
}
