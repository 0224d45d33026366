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
import type { Plan, PlannedCheck, PlannedStep } from '../plan-types.js';
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
  /** Every round of the run, in order: the first is the plan, later ones what a fix revealed. */
  rounds: RoundSummary[];
  /** The end-to-end proof after the last round; null when it did not run (nothing changed, a failure). */
  proof: Proof | null;
  error: RunError | null;
  timing: { startedAt: number; endedAt: number; applyMs: number };
}

export interface RoundSummary {
  round: number;
  /** The runbooks the round ran, in order. */
  runbooks: string[];
  /** Causes that put those runbooks in the round (for round 1: the plan's). */
  causes: string[];
  /** The step numbers of the round (they continue across rounds, as in the journal). */
  steps: number[];
}

/** One check of the end-to-end proof: what a client sees, dialled from this host. */
export interface ProofCheck {
  name: string;
  /** null: not checked here, and why is in the evidence. */
  ok: boolean | null;
  evidence: string[];
}

export interface Proof {
  ok: boolean;
  checks: ProofCheck[];
  /** When it failed: what a fresh diagnosis says still blocks, most likely first. */
  blocking: Finding[];
}

/**
 * Converging: after a round, diagnose again and plan what the fixes revealed, with the same
 * variables, policy and `--runbook` limits as the first plan. The caller supplies both, so the
 * engine needs no probes or catalog of its own.
 */
export interface ConvergeDeps {
  /** A full diagnosis against these facts (findings with `fixedBy`, causes linked). */
  diagnose(facts: Facts): Promise<Finding[]>;
  /** The plan for those findings (policy applied), against these facts. */
  plan(findings: Finding[], facts: Facts): Promise<Plan>;
  /** Runbooks a later round may run (apply of a saved plan: the plan's own); null: any. */
  within: ReadonlySet<string> | null;
  /** Rounds in all, the first included. */
  maxRounds: number;
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
  /** Diagnose again after each round and fix what it reveals; absent: one round, and only the first findings are re-probed. */
  converge?: ConvergeDeps;
  /** What clients see, checked once after every round (end-to-end.ts); absent: no such proof. */
  proveEndToEnd?: (ctx: ModuleContext) => Promise<ProofCheck[]>;
}
