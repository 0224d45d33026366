// Undo steps from their journal records, newest first. Shared by the in-run rollback (a step
// failed) and `postfix-fix rollback` (possibly in another process after a crash).

import { StepFailure } from '../core/errors.js';
import type { ModuleRegistry } from '../modules/registry-types.js';
import type { ModuleContext } from '../modules/types.js';
import type { StepAction } from './catalog/types.js';
import type { Journal, StepHistory } from './journal.js';

export interface UndoResult {
  seq: number;
  stepId: string;
  name: string;
  ok: boolean;
  evidence: string[];
  error?: string;
}

/** An explicit rollback action (args resolved at plan time), run like a step. Returns the evidence; throws when it did not take effect. */
async function runExplicitRollback(ctx: ModuleContext, modules: ModuleRegistry, action: StepAction): Promise<string[]> {
  const mod = modules.action(action.module);
  if (!mod) throw new StepFailure(`rollback module ${action.module} is not available`);
  const state = await mod.inspect(ctx, action.args);
  const change = mod.diff(ctx, action.args, state);
  if (!change) return ['rollback action: nothing to do'];
  await mod.apply(ctx, action.args, change);
  const outcome = await mod.verify(ctx, action.args, change);
  if (!outcome.ok) throw new StepFailure(`the rollback action (${action.module}) did not take effect`, outcome.evidence);
  return outcome.evidence;
}

export async function undoSteps(histories: StepHistory[], ctx: ModuleContext, modules: ModuleRegistry, journal: Journal | null, by: string): Promise<UndoResult[]> {
  const results: UndoResult[] = [];
  for (const h of [...histories].reverse()) {
    if (h.undone) continue;
    const { intent } = h;
    const base = { seq: h.seq, stepId: intent.stepId, name: intent.name };
    try {
      let evidence: string[];
      if (intent.rollback) evidence = await runExplicitRollback(ctx, modules, intent.rollback);
      else {
        const mod = modules.action(intent.module);
        if (!mod) throw new StepFailure(`module ${intent.module} is not available in this version`);
        evidence = await mod.undo(ctx, { args: intent.args, change: intent.change, ...(h.applied !== undefined && h.applied !== null ? { applied: h.applied } : {}), ...(h.applied === undefined ? { interrupted: true } : {}) });
      }
      // The journal's record keeps its shape (ok and evidence) for the journals already on disk.
      await journal?.append({ type: 'step-undone', seq: h.seq, at: new Date().toISOString(), outcome: { ok: true, evidence }, by });
      results.push({ ...base, ok: true, evidence });
    } catch (e) {
      const evidence = e instanceof StepFailure ? e.evidence : [];
      const error = (e as Error).message;
      await journal?.append({ type: 'undo-failed', seq: h.seq, at: new Date().toISOString(), error, evidence });
      results.push({ ...base, ok: false, evidence, error });
    }
  }
  return results;
}
