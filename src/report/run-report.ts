// The run report: what `run` and `apply` did, as data (printed with --json, saved in the run's
// directory, summarised for humans). Versioned: scripts parse it.

import type { Finding } from '../probes/types.js';
import type { PlannedCheck } from '../engine/plan-types.js';
import type { StepResult } from '../engine/transaction.js';
import type { UndoResult } from '../engine/undo.js';

export const RUN_REPORT_SCHEMA_VERSION = 1;

export type RunStatus = 'nothing-to-do' | 'changed' | 'needs-human' | 'failed-rolled-back' | 'rollback-incomplete' | 'aborted' | 'interrupted' | 'refused';

export interface RunReport {
  schemaVersion: number;
  tool: { name: 'postfix-fix'; version: string };
  command: 'run' | 'apply';
  runId: string | null;
  status: RunStatus;
  exitCode: number;
  startedAt: string;
  durationMs: number;
  host: { hostname: string; os: string; profile: string; serviceManager: string };
  /** What diagnose found before the run. */
  findings: Finding[];
  steps: StepResult[];
  verifications: Array<{ runbook: string } & PlannedCheck>;
  rollback: UndoResult[] | null;
  /** Why a human is needed (blocked runbooks, skipped steps, causes no runbook fixes). */
  needsHuman: string[];
  /** Causes still found by diagnose after the run (when it changed something). */
  remaining: Finding[];
  error: { message: string; evidence: string[] } | null;
  journal: string | null;
  timing: { diagnoseMs: number; planMs: number; applyMs: number };
}
