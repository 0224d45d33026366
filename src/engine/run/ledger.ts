// What the run has done so far, kept by the run alone: each step's result, the runbooks a
// decision declined, the verifications. Results are recorded once and never edited; the final
// list (with `rolled-back` for what a rollback undid) is built from them at the end. It spans
// every round of a run, so step numbers must stay unique across rounds (as in the journal).

import type { PlannedCheck } from '../plan-types.js';
import type { UndoResult } from '../undo.js';
import type { StepResult, Verification } from './types.js';

export class RunLedger {
  private readonly results = new Map<number, StepResult>();
  private readonly declinedRunbooks = new Map<string, string>();
  private readonly checks: Verification[] = [];
  /** Runbooks a round started: a run runs each at most once (a later round never repeats one). */
  private readonly started = new Set<string>();

  record(result: StepResult): void {
    if (this.results.has(result.seq)) throw new Error(`step ${result.seq} recorded twice`);
    this.results.set(result.seq, result);
  }

  start(runbook: string): void {
    this.started.add(runbook);
  }

  ran(runbook: string): boolean {
    return this.started.has(runbook);
  }

  decline(runbook: string, why: string): void {
    if (!this.declinedRunbooks.has(runbook)) this.declinedRunbooks.set(runbook, why);
  }

  declined(runbook: string): string | undefined {
    return this.declinedRunbooks.get(runbook);
  }

  /** `runbook: why`, for the report's needs-a-human list. */
  declinedReasons(): string[] {
    return [...this.declinedRunbooks].map(([rb, why]) => `${rb}: ${why}`);
  }

  verified(runbook: string, checks: readonly PlannedCheck[]): void {
    for (const c of checks) this.checks.push({ ...c, runbook });
  }

  verifications(): Verification[] {
    return [...this.checks];
  }

  changed(seqs?: readonly number[]): boolean {
    const pick = seqs ? seqs.map((s) => this.results.get(s)) : [...this.results.values()];
    return pick.some((r) => r?.status === 'changed');
  }

  /** The steps in plan order; a step the rollback undid reads `rolled-back`. */
  steps(rollback: readonly UndoResult[] | null = null): StepResult[] {
    const undone = new Set((rollback ?? []).filter((u) => u.ok).map((u) => u.seq));
    return [...this.results.values()].sort((a, b) => a.seq - b.seq).map((r) => (undone.has(r.seq) ? { ...r, status: 'rolled-back' as const } : r));
  }
}
