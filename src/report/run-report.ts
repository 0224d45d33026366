// The run report: what `run` and `apply` did, as data (printed with --json, saved in the run's
// directory, summarised for humans). Versioned: scripts parse it (schemas/run-report.schema.json).
// Built in one place from the engine's outcome, whatever path the run took.

import type { Finding } from '../probes/types.js';
import type { Proof, RoundSummary, RunOutcome, RunStatus, StepResult, Verification } from '../engine/run/index.js';
import type { UndoResult } from '../engine/undo.js';

export type { RunStatus };

export const RUN_REPORT_SCHEMA_VERSION = 1;

export interface RunReport {
  schemaVersion: number;
  tool: { name: 'postfix-fix'; version: string };
  command: 'run' | 'apply' | 'watch';
  runId: string | null;
  status: RunStatus;
  exitCode: number;
  startedAt: string;
  durationMs: number;
  host: RunReportHost;
  /** What diagnose found before the run. */
  findings: Finding[];
  steps: StepResult[];
  verifications: Verification[];
  rollback: UndoResult[] | null;
  /** Why a human is needed (blocked runbooks, skipped steps, causes no runbook fixes). */
  needsHuman: string[];
  /** Causes still found by diagnose after the run (when it changed something). */
  remaining: Finding[];
  /** The run's rounds: the plan, then what each fix revealed (a converging run). */
  rounds: RoundSummary[];
  /** What clients see, proven once after the last round; null when it did not run. */
  proof: Proof | null;
  error: { message: string; evidence: string[] } | null;
  journal: string | null;
  timing: { diagnoseMs: number; planMs: number; applyMs: number };
}

export interface RunReportHost {
  hostname: string;
  os: string;
  profile: string;
  serviceManager: string;
}

/** What the report says that the run itself does not know: who ran it, where, and what came before. */
export interface RunReportMeta {
  command: 'run' | 'apply' | 'watch';
  version: string;
  host: RunReportHost;
  /** When the command started (before diagnose): the report's clock counts from here. */
  startedAt: number;
  timing: { diagnoseMs: number; planMs: number };
}

export function toRunReport(outcome: RunOutcome, meta: RunReportMeta): RunReport {
  return {
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    tool: { name: 'postfix-fix', version: meta.version },
    command: meta.command,
    runId: outcome.runId,
    status: outcome.status,
    exitCode: outcome.exitCode,
    startedAt: new Date(meta.startedAt).toISOString(),
    durationMs: Math.max(0, outcome.timing.endedAt - meta.startedAt),
    host: meta.host,
    findings: outcome.findings,
    steps: outcome.steps,
    verifications: outcome.verifications,
    rollback: outcome.rollback,
    needsHuman: outcome.needsHuman,
    remaining: outcome.remaining,
    rounds: outcome.rounds,
    proof: outcome.proof,
    error: outcome.error,
    journal: outcome.journal,
    timing: { ...meta.timing, applyMs: outcome.timing.applyMs },
  };
}
