// The run as lines of text on stderr: the whole progress of an unattended run (`--yes`, `apply`),
// and, at a terminal, what comes after the task list (the failure, the rollback). Logs and
// ticket pastes read these, so one fact per line and no colour.

import type { ProofCheck, RunEvent } from '../../engine/run/index.js';
import type { PlannedCheck, PlannedStep } from '../../engine/plan-types.js';
import { layerOrder } from '../../engine/stacking.js';
import type { Redactor } from '../../core/redact.js';

export function stepDetails(step: PlannedStep): string {
  return [
    `step ${step.seq}: ${step.name}  [${step.runbook}, module ${step.module}, risk ${step.risk}]`,
    ...(step.change?.diff ?? []).map((l) => `  ${l}`),
    `  undo: ${step.undo}`,
    `  verify: ${step.verification}`,
  ].join('\n');
}

export function checkLine(c: PlannedCheck | ProofCheck): string {
  return `${c.ok === false ? '✗' : c.ok === null ? '?' : '✓'} ${c.name}: ${c.evidence.join('; ')}`;
}

/** What follows the task list: a failure and the rollback it triggers, temporary changes ended. */
export function endLines(e: RunEvent): string[] | null {
  switch (e.type) {
    case 'failure':
      return ['', `${e.kind === 'aborted' ? 'Aborted' : 'Failed'}: ${e.message}`, ...e.evidence.map((l) => `  ${l}`)];
    case 'rollback-start':
      return ['Rolling back what this run applied…'];
    case 'rollback-step':
      return [`  ${e.result.ok ? 'undone' : 'NOT undone'}: step ${e.result.seq} ${e.result.name}${e.result.error ? ` — ${e.result.error}` : ''}`];
    case 'temporary-ended':
      return e.results.map((r) => `${r.ok ? 'ended' : 'NOT ended'} temporary change: step ${r.seq} ${r.name}${r.error ? ` — ${r.error}` : ''}`);
    case 'proof-done':
      return [
        e.proof.ok ? 'End to end (what clients see, once every runbook is done): proven' : 'End to end (what clients see, once every runbook is done): NOT proven — the layers fixed so far are kept',
        ...e.proof.checks.map((c) => `  ${checkLine(c)}`),
        ...(e.proof.blocking[0] ? [`  still blocking (diagnosed again): ${e.proof.blocking[0].title}${e.proof.blocking[0].cause ? ` (${e.proof.blocking[0].cause})` : ''}`] : []),
      ];
    default:
      return null;
  }
}

/** Between rounds: what diagnose finds after one, and what the next will do. */
export function roundLines(e: RunEvent): string[] {
  switch (e.type) {
    case 're-diagnosis': {
      if (e.round === undefined) return e.remaining.length ? [`Still found after the run: ${e.remaining.map((f) => f.title).join('; ')}`] : [];
      const found = e.remaining.length === 0 ? 'no problem left' : `${e.remaining.length} problem(s) left: ${e.remaining.map((f) => `${f.title}${f.cause ? ` (${f.cause})` : ''}`).join('; ')}`;
      return [`Diagnosed again after round ${e.round}: ${found}`, ...(e.next && e.next.length > 0 ? [] : e.why ? [`  no further round: ${e.why}`] : [])];
    }
    case 'round-start':
      return [`Round ${e.round} — what the fixes so far revealed (${e.causes.join(', ') || 'see above'}); in order: ${layerOrder(e.plan.runbooks)}`];
    default:
      return [];
  }
}

/** Progress of the run itself, one line per runbook, step and verification. */
export function progressLines(e: RunEvent): string[] {
  switch (e.type) {
    case 'runbook-start':
      return [`${e.runbook.id}: ${e.runbook.title}`];
    case 'runbook-skip':
      return [`${e.runbook.id}: ${e.reason}`];
    case 'step-done': {
      const r = e.result;
      const head = `  ${r.seq}. ${r.name} — ${r.status}${r.reason ? `: ${r.reason}` : ''}`;
      return r.status === 'changed' ? [head, ...r.diff.map((l) => `      ${l}`)] : [head, ...(r.status === 'failed' ? r.evidence.map((l) => `      ${l}`) : [])];
    }
    case 'verify-skip':
      return [`  verify ${e.runbook.id}: skipped (${e.reason})`];
    case 'verify-done':
      return [`  verify ${e.runbook.id}:`, ...e.checks.map((c) => `    ${checkLine(c)}`)];
    default:
      return [];
  }
}

/** The renderer for runs without a terminal: everything as plain lines, as it happens. */
export function plainRunLines(redact: Redactor, write: (text: string) => void = (t) => process.stderr.write(t)): (e: RunEvent) => void {
  return (e) => {
    const lines = [...roundLines(e), ...progressLines(e), ...(endLines(e) ?? [])];
    if (lines.length) write(redact.lines(lines).join('\n') + '\n');
  };
}
