// The headless run's vocabulary: what a caller hands `applyPlan`, what steers it (`Decide`), and
// the outcome it returns. Plain data, so renderers, reports and tests read the same thing.

import type { Facts } from '../../facts/types.js';
import type { ModuleRegistry } from '../../modules/registry-types.js';
import type { ModuleContext } from '../../modules/types.js';
import type { Finding } from '../../probes/types.js';
import type { ExitCode } from '../../core/exit-codes.js';
import type { Runbook } from '../catalog/types.js';
import type { ChangeLog } from '../change-log.js';
import type { CauseProbe } from '../checks.js';
import type { GuardScheduler } from '../guards.js';
import type { PlannedCheck, PlannedStep } from '../plan-types.js';
import type { UndoResult } from '../undo.js';

export type Decision = 'apply' | 'skip' | 'abort';

/**
 * The only way a person or a policy steers a run: asked once per step that would change the host,
 * never for steps that change nothing. `skip` declines the rest of the step's runbook (and of the
 * runbooks that must come after it); `abort` rolls back everything the run applied.
 */
export type Decide = (step: PlannedStep) => Promise<Decision>;

export type RunStatus = 'nothing-to-do' | 'changed' | 'needs-human' | 'failed-rolled-back' | 'rollback-incomplete' | 'aborted' | 'interrupted' | 'refused';

export type StepResultStatus = 'changed' | 'ok' | 'skipped' | 'failed' | 'rolled-back';

export interface StepResult {
  seq: number;
  stepId: string;
  runbook: string;
  name: string;
  risk: PlannedStep['risk'];
  status: StepResultStatus;
  reason?: string;
  diff: string[];
  evidence: string[];
  durationMs: number;
}

export type Verification = { runbook: string } & PlannedCheck;

export interface RunError {
  message: string;
  evidence: string[];
}

export interface RunOutcome {
  /** null when nothing had to change: no run was opened and no journal written. */
  runId: string | null;
  journal: string | null;
  status: RunStatus;
  /** The detailed exit code (`--detailed-exitcodes`); the CLI folds 10 into 0 without the flag. */
  exitCode: ExitCode;
  /** What diagnose found before the run (the plan's findings). */
  findings: Finding[];
  /** Every step considered, in plan order, with its final status (an undone change is `rolled-back`). */
  steps: StepResult[];
  verifications: Verification[];
  /** What the failure path undid, newest first; null when nothing failed. */
  rollback: UndoResult[] | null;
  /** Temporary changes ended at the end of the run (not already undone by a rollback). */
  temporaryEnded: UndoResult[];
  needsHuman: string[];
  /** Causes still found after a run that changed something. */
  remaining: Finding[];
  error: RunError | null;
  timing: { startedAt: number; endedAt: number; applyMs: number };
}

/** What the engine needs from the world; nothing here knows about a terminal. */
export interface RunDeps {
  command: 'run' | 'apply' | 'watch';
  version: string;
  /** The run's directory (journal, backups, command log) is made under `<stateDir>/runs/`. */
  stateDir: string;
  /** The host as modules see it; the engine hands modules a copy whose runDir is the run's own. */
  ctx: ModuleContext;
  modules: ModuleRegistry;
  runbooks: ReadonlyMap<string, Runbook>;
  guards: GuardScheduler;
  /** One line per change in the system log; none when absent. */
  changeLog?: (runId: string) => ChangeLog;
  /** Re-probes one diagnose cause (verifications with `gone`, the end-of-run re-diagnosis). */
  causeProbe?: CauseProbe;
  /** A fresh look at the host, after changes. */
  refreshFacts: () => Promise<Facts>;
  /** Told where the run's command log goes, before the first command of the run. */
  commandLog?: { mirrorToFile(path: string): void };
}
