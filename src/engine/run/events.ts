// What a run tells its listeners, in the order it happens. Renderers (a terminal's task list,
// plain lines for unattended runs, a future JSON stream) are built from these alone; none of them
// can change what the run does.
//
// Order within one run:
//   run-start
//   round 1, then for each further round: re-diagnosis, round-start (a converging run)
//     per runbook: runbook-skip | runbook-start, (step-start, step-done)*, verify-skip | verify-start, verify-done
//   re-diagnosis (after the last round: nothing more to fix, or the last round allowed)
//   on a failure: failure, rollback-start, rollback-step*
//   temporary-ended
//   after a run that changed something: re-diagnosis (not converging), proof-start, proof-done
//   run-end
// A run with nothing to change opens no journal and emits only run-end.

import type { Finding } from '../../probes/types.js';
import type { Plan, PlannedCheck, PlannedRunbook, PlannedStep } from '../plan-types.js';
import type { UndoResult } from '../undo.js';
import type { Proof, RunOutcome, StepResult } from './types.js';

export type FailureKind = 'step-failed' | 'verification-failed' | 'aborted' | 'interrupted' | 'internal';

export type RunEvent =
  | { type: 'run-start'; runId: string; journal: string; plan: Plan }
  | { type: 'runbook-start'; runbook: PlannedRunbook }
  /** A runbook the plan already settled: blocked, or nothing to do. */
  | { type: 'runbook-skip'; runbook: PlannedRunbook; reason: string }
  | { type: 'step-start'; step: PlannedStep }
  | { type: 'step-done'; step: PlannedStep; result: StepResult }
  | { type: 'verify-skip'; runbook: PlannedRunbook; reason: string }
  | { type: 'verify-start'; runbook: PlannedRunbook }
  | { type: 'verify-done'; runbook: PlannedRunbook; checks: PlannedCheck[]; ok: boolean }
  | { type: 'failure'; kind: FailureKind; message: string; evidence: string[] }
  | { type: 'rollback-start'; reason: string; steps: number }
  | { type: 'rollback-step'; result: UndoResult }
  | { type: 'temporary-ended'; results: UndoResult[] }
  /**
   * What diagnose finds after a round (converging: every problem found, and `next` the runbooks
   * the next round will run, empty when the run stops there); without converging, after the run:
   * which of the first findings are still there.
   */
  | { type: 're-diagnosis'; remaining: Finding[]; round?: number; next?: string[]; why?: string }
  /** A further round: the plan for what the previous rounds revealed (steps numbered on). */
  | { type: 'round-start'; round: number; plan: Plan; causes: string[] }
  | { type: 'proof-start' }
  | { type: 'proof-done'; proof: Proof }
  | { type: 'run-end'; outcome: RunOutcome };

export type RunEventType = RunEvent['type'];
