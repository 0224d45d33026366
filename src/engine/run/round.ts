// One round: the plan's runbooks in order, each one's steps, then its proof. A converging run
// calls this again with the plan for what the previous round revealed, in the same session.

import type { Plan, PlannedRunbook } from '../plan-types.js';
import type { RunSession } from './session.js';
import { runStep } from './step.js';
import { verifyRunbook } from './verify.js';

export async function applyRound(plan: Plan, s: RunSession): Promise<void> {
  for (const rb of plan.runbooks) {
    if (rb.status !== 'ready') {
      s.emit({ type: 'runbook-skip', runbook: rb, reason: rb.status === 'blocked' ? `blocked — ${rb.blockedReason ?? ''}` : 'nothing to do' });
      continue;
    }
    s.ledger.start(rb.id);
    s.emit({ type: 'runbook-start', runbook: rb });
    for (const step of rb.steps) await runStep(step, s);
    await verifyRunbook(rb, s);
  }
}

/** Steps a plan would change, counting only runbooks that may run. */
export function pendingChanges(plan: Plan): number {
  return plan.runbooks.filter((rb: PlannedRunbook) => rb.status === 'ready').reduce((n, rb) => n + rb.steps.filter((st) => st.status === 'change').length, 0);
}
