// The one way to write an action module. A module declares its args and what it journals as
// JSON Schemas; the types its functions see are derived from those schemas (json-schema-to-ts),
// so the schema a reviewer reads, the validation at the edge and the types in the code cannot
// drift apart. Whatever crosses a file — args from a saved plan, a change and what `apply`
// returned, read back from the journal by another process after a crash — is decoded through
// its schema once, here, before the module sees it: a damaged record is a clear error, never a
// crash halfway through an undo.
//
// Failure has one channel: `apply` and `undo` throw (StepFailure with evidence when the cause is
// known); what they return is only what happened. `verify` is a check and answers ok or not.

import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { StepFailure } from '../core/errors.js';
import type { JsonObject, JsonValue } from '../core/json.js';
import { validateWith } from '../core/validate.js';
import type { ActionModule, Change, CheckModule, ModuleContext, Outcome, UndoRecord } from './types.js';

/** A change whose journaled parts have the module's own types. */
export interface TypedChange<Data, Restore> extends Omit<Change, 'data' | 'restore'> {
  data: Data;
  restore: Restore;
}

export interface TypedUndoRecord<Args, Data, Restore, Applied> {
  args: Args;
  change: TypedChange<Data, Restore>;
  /** What `apply` returned, if it got that far (absent after a crash mid-apply). */
  applied?: Applied;
  /** No record that `apply` finished: the run died during it, and what it started may still run. */
  interrupted?: boolean;
}

/** A schema for "nothing": modules that journal no data or whose apply returns nothing. */
export const NO_DATA = { type: 'null' } as const;

type Typed<S> = S extends JSONSchema ? FromSchema<S> : never;

export interface ActionModuleSpec<A extends JSONSchema, D extends JSONSchema, R extends JSONSchema, P extends JSONSchema, State extends JsonValue> {
  name: string;
  description: string;
  /** The args a runbook gives (after templates), with `default`s filled in by the validator. */
  args: A;
  /** What `apply` needs, journaled before it runs. */
  data: D;
  /** The state before the change, journaled before `apply` runs: what `undo` restores. */
  restore: R;
  /** What `apply` returns for `undo` (default: nothing). */
  applied?: P;
  /**
   * Set when a change of this module cannot be undone, and why (the plan shows it to the
   * reviewer before anything runs); `undo` then only says so.
   */
  irreversible?: string;
  inspect(ctx: ModuleContext, args: Typed<A>): Promise<State>;
  /** The change `apply` will make, exactly (the plan shows it), or null when nothing is to do. */
  diff(ctx: ModuleContext, args: Typed<A>, state: State): TypedChange<Typed<D>, Typed<R>> | null;
  /** Must be safe to re-run after a partial apply. Throws on failure. */
  apply(ctx: ModuleContext, args: Typed<A>, change: TypedChange<Typed<D>, Typed<R>>): Promise<Typed<P> | undefined>;
  /** Did the change take effect? A check: answers, never throws for a plain "no". */
  verify(ctx: ModuleContext, args: Typed<A>, change: TypedChange<Typed<D>, Typed<R>>): Promise<Outcome>;
  /** Restore `change.restore`. Idempotent; verifies what it restored. Returns the evidence; throws on failure. */
  undo(ctx: ModuleContext, record: TypedUndoRecord<Typed<A>, Typed<D>, Typed<R>, Typed<P>>): Promise<string[]>;
}

/** Validate (and fill in defaults on a copy of) `value` against `schema`, or throw what is wrong. */
export function decode<T>(schema: object, value: unknown, what: string): T {
  const copy = structuredClone(value);
  const errors = validateWith(schema, copy);
  if (errors.length > 0) {
    throw new StepFailure(
      `${what} does not match what this module reads`,
      errors.slice(0, 5).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`),
    );
  }
  return copy as T;
}

export function defineActionModule<A extends JSONSchema, D extends JSONSchema, R extends JSONSchema, P extends JSONSchema = typeof NO_DATA, State extends JsonValue = JsonValue>(
  spec: ActionModuleSpec<A, D, R, P, State>,
): ActionModule {
  type Args = Typed<A>;
  type C = TypedChange<Typed<D>, Typed<R>>;
  const appliedSchema = (spec.applied ?? NO_DATA) as object;
  const args = (raw: JsonObject): Args => decode<Args>(spec.args as object, raw, `${spec.name}: args`);
  const change = (raw: Change): C => ({
    ...raw,
    data: decode<Typed<D>>(spec.data as object, raw.data, `${spec.name}: the change's data`),
    restore: decode<Typed<R>>(spec.restore as object, raw.restore, `${spec.name}: the state to restore`),
  });
  return {
    name: spec.name,
    description: spec.description,
    argsSchema: spec.args as Record<string, unknown>,
    irreversible: spec.irreversible ?? null,
    journalSchemas: { data: spec.data as object, restore: spec.restore as object, applied: appliedSchema },
    inspect: (ctx, raw) => spec.inspect(ctx, args(raw)),
    diff(ctx, raw, state) {
      const c = spec.diff(ctx, args(raw), state as State);
      // What cannot be read back by undo must not be journaled: checked before it is.
      return c === null ? null : (change(c as unknown as Change) as unknown as Change);
    },
    async apply(ctx, raw, ch) {
      const applied = await spec.apply(ctx, args(raw), change(ch));
      return applied === undefined ? undefined : decode<JsonValue>(appliedSchema, applied, `${spec.name}: what apply returned`);
    },
    verify: (ctx, raw, ch) => spec.verify(ctx, args(raw), change(ch)),
    async undo(ctx, record: UndoRecord) {
      if (spec.irreversible) return [`not undone: ${spec.irreversible}`];
      const typed: TypedUndoRecord<Args, Typed<D>, Typed<R>, Typed<P>> = {
        args: args(record.args),
        change: change(record.change),
        ...(record.applied !== undefined ? { applied: decode<Typed<P>>(appliedSchema, record.applied, `${spec.name}: what apply returned`) } : {}),
        ...(record.interrupted ? { interrupted: true } : {}),
      };
      return spec.undo(ctx, typed);
    },
  };
}

export interface CheckModuleSpec<A extends JSONSchema> {
  name: string;
  description: string;
  args: A;
  /** The check in words, for the plan: "SMTP banner on 127.0.0.1:25". */
  describe(args: Typed<A>): string;
  check(ctx: ModuleContext, args: Typed<A>): Promise<Outcome>;
}

export function defineCheckModule<A extends JSONSchema>(spec: CheckModuleSpec<A>): CheckModule {
  const args = (raw: JsonObject): Typed<A> => decode<Typed<A>>(spec.args as object, raw, `${spec.name}: args`);
  return {
    name: spec.name,
    description: spec.description,
    argsSchema: spec.args as Record<string, unknown>,
    describe: (raw) => spec.describe(args(raw)),
    check: (ctx, raw) => spec.check(ctx, args(raw)),
  };
}
