// The module contract. Every action module has the same shape —
//   inspect (read current state) → diff (compute the change, or null when nothing to do)
//   → apply → verify → undo (from the journal record alone)
// — and never prompts or prints: the runner does both. A module's `diff` must be honest: the
// change it returns is exactly what `apply` will do, because the plan shows it to a reviewer.

import type { HostContext } from '../core/context.js';
import type { Facts } from '../facts/types.js';
import type { JsonObject, JsonValue } from '../core/json.js';

export interface ModuleContext extends HostContext {
  facts: Facts;
  /** The run's directory (backups, scratch). null during plan/diagnose: nothing may be written. */
  runDir: string | null;
}

export interface Change {
  /** One line a reviewer reads first: "inet_interfaces: loopback-only → all, then restart postfix". */
  summary: string;
  /**
   * The exact change, as lines a reviewer can approve: `-`/`+` lines for main.cf and rules,
   * `~` lines for actions (restart, stop, enable). Compared verbatim when a saved plan is applied.
   */
  diff: string[];
  /** What `apply` needs, JSON-serialisable (it is journaled). */
  data: JsonValue;
  /**
   * What the change does, free of incidental detail (diff context lines, file hashes): compared
   * when a planned change is about to be applied, so an earlier step of the same run that edited
   * the same file does not look like drift, while a different change always does.
   */
  intent: JsonValue;
  /** The state before the change, enough for `undo` to restore it (journaled before `apply` runs). */
  restore: JsonValue;
  /**
   * A change that must be undone by a deadline even if postfix-fix dies (setenforce 0, trial
   * rules). It ends with the run, unless `untilDeadline`: then it stays in force after a run
   * that succeeded, and only the deadline guard (or `rollback`) ends it — for a safeguard
   * weakened on request for a while (mail accepted without a milter that cannot be started).
   */
  temporary?: { seconds: number; reason: string; untilDeadline?: boolean };
  /** Postfix is restarted/reloaded by this change (so verifications after it wait for it). */
  touchesPostfix?: boolean;
}

export interface Outcome {
  ok: boolean;
  /** What was observed, one fact per line: pasted into reports and tickets. */
  evidence: string[];
}

/** Everything `undo` gets, read back from the journal — possibly by another process after a crash. */
export interface UndoRecord {
  args: JsonObject;
  change: Change;
  /** What `apply` returned, if it got that far (absent after a crash mid-apply). */
  applied?: JsonValue;
  /** No record that `apply` finished: the run died during it, and what it started may still run. */
  interrupted?: boolean;
}

/**
 * An action module as the engine sees it: args and journaled state as JSON. Written with
 * defineActionModule (define.ts), which decodes every JSON value through the module's schemas
 * before its typed functions see it.
 */
export interface ActionModule {
  readonly name: string;
  readonly description: string;
  /** JSON Schema for `args` (after templates are resolved). Validated at load and at plan time. */
  readonly argsSchema: Record<string, unknown>;
  /** Why a change of this module cannot be undone (shown in the plan); null when undo restores it. */
  readonly irreversible: string | null;
  /** The schemas a journaled change is read back through (precompiled with the others). */
  readonly journalSchemas: { data: object; restore: object; applied: object };
  inspect(ctx: ModuleContext, args: JsonObject): Promise<JsonValue>;
  diff(ctx: ModuleContext, args: JsonObject, state: JsonValue): Change | null;
  /** Apply `change`. Must be safe to re-run after a partial apply. Returns extra undo data; throws on failure. */
  apply(ctx: ModuleContext, args: JsonObject, change: Change): Promise<JsonValue | undefined>;
  verify(ctx: ModuleContext, args: JsonObject, change: Change): Promise<Outcome>;
  /** Restore the `restore` state. Idempotent; verifies what it restored. Returns the evidence; throws on failure. */
  undo(ctx: ModuleContext, record: UndoRecord): Promise<string[]>;
}

/** A read-only module, usable in a runbook's `preconditions` and `verify`. */
export interface CheckModule {
  readonly name: string;
  readonly description: string;
  readonly argsSchema: Record<string, unknown>;
  /** The check in words, for the plan: "SMTP banner on 127.0.0.1:25". */
  describe(args: JsonObject): string;
  check(ctx: ModuleContext, args: JsonObject): Promise<Outcome>;
}
