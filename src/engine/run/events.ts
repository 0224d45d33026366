// What a run tells its listeners, in the order it happens. Renderers (a terminal's task list,
// plain lines for unattended runs, a future JSON stream) are built from these alone; none of them
// can change what the run does.
//
// Order within one run:
//   run-start
//   per runbook: runbook-skip | runbook-start, (step-start, step-done)*, verify-skip | verify-start, verify-done
//   on a failure: failure, rollback-start, rollback-step*
//   temporary-ended, re-diagnosis (only after a run that changed something), run-end
// A run with nothing to change opens no journal and emits only run-end.

import type { Finding } from '../../probes/types.js';
import type { Plan, PlannedCheck, PlannedRunbook, PlannedStep } from '../plan-types.js';
import type { UndoResult } from '../undo.js';
import type { RunOutcome, StepResult } from './types.js';

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
  | { type: 're-diagnosis'; remaining: Finding[] }
  | { type: 'run-end'; outcome: RunOutcome };

export type RunEventType = RunEvent['type'];
