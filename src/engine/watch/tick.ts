// The decisions of one watch tick, as pure functions of what diagnose found, what the run did and
// what the last tick left (state.ts), so each rule can be tested without a host:
//   back-off  — a cause fixed `max_fixes_per_cause_per_hour` times within the last hour (whether
//               the fix held or not: a Postfix that keeps dying is restarted only so often) is not
//               touched again until the oldest of those fixes is an hour old;
//   notices   — only on change: a problem appears, a fix works, a fix fails (once per streak of
//               failures), back-off is reached (once, until the cause goes away), a problem goes
//               away without us. A host that stays broken is silent after that.

import type { Finding } from '../../probes/types.js';
import type { Plan, PlannedRunbook } from '../plan-types.js';
import type { RunStatus, StepResult } from '../run/index.js';
import { WATCH_STATE_VERSION } from './state.js';
import type { CauseRecord, WatchState } from './state.js';

export const BACKOFF_WINDOW_MS = 3_600_000;
/** Evidence lines a problem notice carries (the rest is in `postfix-fix diagnose`). */
const EVIDENCE_LINES = 5;

export interface Problem {
  /** The cause id, or the check's name for a problem without one. */
  cause: string;
  title: string;
  status: 'fail' | 'warn';
  evidence: string[];
  fixedBy: string[];
}

export type WatchEvent =
  | { kind: 'problem'; cause: string; title: string; status: 'fail' | 'warn'; evidence: string[]; fixedBy: string[] }
  | { kind: 'fixed'; cause: string; title: string; runbooks: string[]; runId: string | null }
  | { kind: 'fix-failed'; cause: string; title: string; runbooks: string[]; runId: string | null; runStatus: RunStatus; error: string | null }
  | { kind: 'backoff'; cause: string; title: string; fixes: number; limit: number; until: string }
  | { kind: 'recovered'; cause: string; title: string };

export type WatchEventKind = WatchEvent['kind'];

/** Order of events within a notice: what went away, what appeared, what the tick did about it. */
const KIND_ORDER: Readonly<Record<WatchEventKind, number>> = { recovered: 0, problem: 1, fixed: 2, 'fix-failed': 3, backoff: 4 };

/** The problems in a diagnosis (fail and warn), one per cause, most likely first. */
export function problemsOf(findings: readonly Finding[]): Problem[] {
  const out = new Map<string, Problem>();
  for (const f of findings) {
    if (f.status !== 'fail' && f.status !== 'warn') continue;
    const cause = f.cause ?? f.check;
    if (out.has(cause)) continue;
    out.set(cause, { cause, title: f.title, status: f.status, evidence: f.evidence.slice(0, EVIDENCE_LINES), fixedBy: [...f.fixedBy] });
  }
  return [...out.values()];
}

/** Fixes of a cause still inside the window, oldest first. */
export function recentFixes(rec: CauseRecord | undefined, now: number): string[] {
  return (rec?.fixes ?? []).filter((t) => now - Date.parse(t) < BACKOFF_WINDOW_MS).sort();
}

export interface BackoffHold {
  cause: string;
  fixes: number;
  /** When the oldest fix leaves the window: a fix may be tried again then. */
  until: string;
  runbooks: string[];
}

/**
 * Blocks (with the reason, as a policy does) every ready runbook a cause in back-off put in the
 * plan. A runbook two causes asked for is held if either is in back-off: running it touches both.
 */
export function holdBackedOff(plan: Plan, state: WatchState, limit: number, now: number): { plan: Plan; held: BackoffHold[] } {
  const held = new Map<string, BackoffHold>();
  const holdFor = (rb: PlannedRunbook): BackoffHold | null => {
    for (const t of rb.triggeredBy) {
      const fixes = recentFixes(state.causes[t.cause], now);
      if (fixes.length < limit) continue;
      const h = held.get(t.cause) ?? { cause: t.cause, fixes: fixes.length, until: new Date(Date.parse(fixes[0] as string) + BACKOFF_WINDOW_MS).toISOString(), runbooks: [] };
      held.set(t.cause, h);
      return h;
    }
    return null;
  };
  const runbooks = plan.runbooks.map((rb) => {
    if (rb.status !== 'ready') return rb;
    const h = holdFor(rb);
    if (!h) return rb;
    h.runbooks.push(rb.id);
    return { ...rb, status: 'blocked' as const, blockedReason: `back-off: ${h.cause} had ${h.fixes} fix(es) within the hour (max_fixes_per_cause_per_hour: ${limit}); left alone until ${h.until}` };
  });
  if (held.size === 0) return { plan, held: [] };
  const blocked = runbooks.filter((r) => r.status === 'blocked').map((r) => r.id);
  const changes = runbooks.filter((r) => r.status === 'ready').flatMap((r) => r.steps.filter((s) => s.status === 'change')).length;
  return { plan: { ...plan, runbooks, summary: { ...plan.summary, blocked, changes } }, held: [...held.values()] };
}

const ATTEMPTED: ReadonlySet<StepResult['status']> = new Set(['changed', 'failed', 'rolled-back']);

/**
 * The causes a fix was applied for this tick (attempted, whatever came of it): the triggers of
 * every runbook that changed something or failed trying, limited to what was found.
 */
export function attemptedCauses(plan: Plan, steps: readonly StepResult[], found: readonly Problem[]): Map<string, string[]> {
  const tried = new Set(steps.filter((s) => ATTEMPTED.has(s.status)).map((s) => s.runbook));
  const foundCauses = new Set(found.map((p) => p.cause));
  const out = new Map<string, string[]>();
  for (const rb of plan.runbooks) {
    if (!tried.has(rb.id)) continue;
    for (const t of rb.triggeredBy) {
      if (!foundCauses.has(t.cause)) continue;
      out.set(t.cause, [...(out.get(t.cause) ?? []), rb.id]);
    }
  }
  return out;
}

export interface TickRun {
  runId: string | null;
  status: RunStatus;
  /** The run's error, one line (redacted by the caller's report). */
  error: string | null;
  /** cause → runbooks applied for it this tick. */
  attempted: ReadonlyMap<string, readonly string[]>;
  /** Causes still found after the run (its re-diagnosis). */
  remaining: ReadonlySet<string>;
}

export interface TickInput {
  now: number;
  found: readonly Problem[];
  run: TickRun | null;
  limit: number;
}

export interface SettledTick {
  state: WatchState;
  events: WatchEvent[];
  /** Problems left at the end of the tick. */
  problems: Problem[];
}

export function settleTick(prev: WatchState, input: TickInput): SettledTick {
  const { now, found, run, limit } = input;
  const at = new Date(now).toISOString();
  const foundBy = new Map(found.map((p) => [p.cause, p]));
  const events: WatchEvent[] = [];
  const causes: Record<string, CauseRecord> = {};
  for (const [cause, rec] of Object.entries(prev.causes)) causes[cause] = { ...rec, fixes: recentFixes(rec, now) };
  const record = (cause: string): CauseRecord => (causes[cause] ??= { fixes: [] });

  for (const [cause, title] of Object.entries(prev.problems)) if (!foundBy.has(cause)) events.push({ kind: 'recovered', cause, title });
  for (const p of found) if (!(p.cause in prev.problems)) events.push({ kind: 'problem', cause: p.cause, title: p.title, status: p.status, evidence: p.evidence, fixedBy: p.fixedBy });

  const fixed = new Set<string>();
  if (run) {
    for (const [cause, runbooks] of run.attempted) {
      const rec = record(cause);
      rec.fixes.push(at);
      const title = foundBy.get(cause)?.title ?? cause;
      if (run.status === 'changed' && !run.remaining.has(cause)) {
        fixed.add(cause);
        delete rec.failing;
        events.push({ kind: 'fixed', cause, title, runbooks: [...runbooks], runId: run.runId });
        continue;
      }
      // A rollback that could not restore everything is always worth a notice: the host is
      // neither as it was nor fixed.
      const repeat = rec.failing === true && run.status !== 'rollback-incomplete';
      rec.failing = true;
      if (!repeat) events.push({ kind: 'fix-failed', cause, title, runbooks: [...runbooks], runId: run.runId, runStatus: run.status, error: run.error ?? (run.remaining.has(cause) ? 'still found after the fix' : null) });
    }
  }

  const problems = found.filter((p) => !fixed.has(p.cause));
  for (const p of problems) {
    const rec = causes[p.cause];
    const fixes = recentFixes(rec, now);
    if (!rec || fixes.length < limit || rec.backoffNotified) continue;
    rec.backoffNotified = true;
    events.push({ kind: 'backoff', cause: p.cause, title: p.title, fixes: fixes.length, limit, until: new Date(Date.parse(fixes[0] as string) + BACKOFF_WINDOW_MS).toISOString() });
  }

  // A cause that went away starts a new story next time: its failures and back-off are
  // announced again (its fixes still count towards back-off for the hour).
  const left = new Set(problems.map((p) => p.cause));
  for (const [cause, rec] of Object.entries(causes)) {
    if (!left.has(cause)) {
      delete rec.failing;
      delete rec.backoffNotified;
    }
    if (rec.fixes.length === 0 && !rec.failing && !rec.backoffNotified) delete causes[cause];
  }

  events.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind]);
  const state: WatchState = {
    schemaVersion: WATCH_STATE_VERSION,
    updatedAt: at,
    problems: Object.fromEntries(problems.map((p) => [p.cause, p.title])),
    causes,
    lastTick: { at, state: problems.length ? 'problem' : 'healthy', runId: run?.runId ?? null, runStatus: run?.status ?? null },
  };
  return { state, events, problems };
}
