// The one way to write a module. A module declares its args and what it journals as JSON
// Schemas; the types its functions see are derived from those schemas (json-schema-to-ts), so
// the schema a reviewer reads, the validation at the edge and the types in the code cannot
// drift apart. Whatever crosses a file — args from a saved plan, a change and what `apply`
// returned, read back from the journal by another process after a crash — is decoded through
// its schema once, here, before the module sees it: a damaged record is a clear error naming the
// module and the field, never a crash halfway through an undo.
//
// Failure has one channel: `apply` and `undo` throw (StepFailure with evidence when the cause is
// known); what they return is only what happened. `verify` is a check and answers ok or not.

import type { ErrorObject } from 'ajv';
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

/** Everything `undo` gets, read back from the journal and decoded through the module's schemas. */
export interface TypedUndoRecord<Args, Data, Restore, Applied> {
  args: Args;
  change: TypedChange<Data, Restore>;
  /** What `apply` returned, if it got that far (absent after a crash mid-apply). */
  applied?: Applied;
  /** No record that `apply` finished: the run died during it, and what it started may still run. */
  interrupted?: boolean;
}

/** The schema of "nothing": for a module that journals no data, or whose apply returns nothing. */
export const NO_DATA = { type: 'null' } as const;

/** An object schema (JSON Schema also allows `true`/`false`, which mean nothing useful here). */
type Schema = Exclude<JSONSchema, boolean>;

/** The type a schema describes; with the `default`s of the schema filled in (decode does that). */
type Typed<S> = S extends JSONSchema ? FromSchema<S> : never;

interface ActionModuleBase<A extends Schema, D extends Schema, R extends Schema, P extends Schema, State extends JsonValue> {
  name: string;
  description: string;
  /** The args a runbook gives (after templates); `default`s here are filled in before the module sees them. */
  args: A;
  /** What `apply` needs, journaled before it runs. */
  data: D;
  /** The state before the change, journaled before `apply` runs: what `undo` restores. */
  restore: R;
  /** What `apply` returns for `undo` (default: nothing). */
  applied?: P;
  inspect(ctx: ModuleContext, args: Typed<A>): Promise<State>;
  /** The change `apply` will make, exactly (the plan shows it), or null when nothing is to do. */
  diff(ctx: ModuleContext, args: Typed<A>, state: State): TypedChange<Typed<D>, Typed<R>> | null;
  /** Must be safe to re-run after a partial apply. Throws on failure. */
  apply(ctx: ModuleContext, args: Typed<A>, change: TypedChange<Typed<D>, Typed<R>>): Promise<Typed<P> | undefined>;
  /** Did the change take effect? A check: answers, never throws for a plain "no". */
  verify(ctx: ModuleContext, args: Typed<A>, change: TypedChange<Typed<D>, Typed<R>>): Promise<Outcome>;
}

/**
 * A module either restores what it changed (`undo`), or says why it cannot (`irreversible`): the
 * plan shows that to the reviewer before anything runs, and a rollback says so instead of
 * pretending.
 */
export type ActionModuleSpec<A extends Schema, D extends Schema, R extends Schema, P extends Schema, State extends JsonValue> = ActionModuleBase<A, D, R, P, State> &
  (
    | {
        irreversible?: undefined;
        /** Restore `change.restore`. Idempotent; verifies what it restored. Returns the evidence; throws on failure. */
        undo(ctx: ModuleContext, record: TypedUndoRecord<Typed<A>, Typed<D>, Typed<R>, Typed<P>>): Promise<string[]>;
      }
    | { irreversible: string; undo?: undefined }
  );

/** `/units/0/active` → `units[0].active` */
function fieldOf(pointer: string): string {
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, seg) => (seg === '' ? path : /^\d+$/.test(seg) ? `${path}[${seg}]` : `${path}.${seg}`), '');
}

function describeError(what: string, e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  const field = what + fieldOf(e.instancePath);
  switch (e.keyword) {
    case 'required':
      return `${field}.${String(p.missingProperty)} is missing`;
    case 'additionalProperties':
      return `${field}.${String(p.additionalProperty)} is not a known field`;
    case 'enum':
      return `${field} ${JSON.stringify(e.data)} is not one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${field} ${e.message ?? 'is invalid'}${e.data === undefined || typeof e.data === 'object' ? '' : ` (value: ${JSON.stringify(e.data)})`}`;
  }
}

/**
 * Validate `value` against `schema`, with the schema's `default`s filled in on a copy (the caller's
 * value is never changed), or throw a StepFailure naming what it is and the field. `what` names
 * the module and the part: decode(s, v, 'service: change.restore') fails with "service:
 * change.restore.units[0].active must be boolean".
 */
export function decode<T>(schema: object, value: unknown, what: string): T {
  const copy = structuredClone(value);
  const errors = validateWith(schema, copy).filter((e) => e.keyword !== 'if');
  if (errors.length > 0) {
    const lines = [...new Set(errors.map((e) => describeError(what, e)))];
    throw new StepFailure(lines[0] as string, lines.slice(0, 8));
  }
  return copy as T;
}

export function defineActionModule<A extends Schema, D extends Schema, R extends Schema, P extends Schema = typeof NO_DATA, State extends JsonValue = JsonValue>(spec: ActionModuleSpec<A, D, R, P, State>): ActionModule {
  type Args = Typed<A>;
  type C = TypedChange<Typed<D>, Typed<R>>;
  const appliedSchema: object = spec.applied ?? NO_DATA;
  const args = (raw: JsonObject): Args => decode<Args>(spec.args, raw, `${spec.name}: args`);
  const change = (raw: Change): C => ({
    ...raw,
    data: decode<Typed<D>>(spec.data, raw.data, `${spec.name}: change.data`),
    restore: decode<Typed<R>>(spec.restore, raw.restore, `${spec.name}: change.restore`),
  });
  const undo = spec.undo;
  return {
    name: spec.name,
    description: spec.description,
    argsSchema: spec.args as Record<string, unknown>,
    irreversible: spec.irreversible ?? null,
    journalSchemas: { data: spec.data, restore: spec.restore, applied: appliedSchema },
    inspect: (ctx, raw) => spec.inspect(ctx, args(raw)),
    diff(ctx, raw, state) {
      // The engine hands back exactly what inspect returned, in the same process.
      const c = spec.diff(ctx, args(raw), state as State);
      if (c === null) return null;
      // What undo could not read back must not be journaled: checked before it is. A mismatch
      // here is this module's bug, not the host's condition, so it is not a StepFailure.
      try {
        return change(c as unknown as Change) as unknown as Change;
      } catch (e) {
        throw new Error(`internal error: ${spec.name} planned a change its own schemas reject: ${(e as Error).message}`, { cause: e });
      }
    },
    async apply(ctx, raw, ch) {
      const applied = await spec.apply(ctx, args(raw), change(ch));
      return applied === undefined ? undefined : decode<JsonValue>(appliedSchema, applied, `${spec.name}: applied`);
    },
    verify: (ctx, raw, ch) => spec.verify(ctx, args(raw), change(ch)),
    async undo(ctx, record: UndoRecord) {
      if (spec.irreversible !== undefined || undo === undefined) return [`cannot be undone: ${spec.irreversible ?? 'this module has no undo'}`];
      const typed: TypedUndoRecord<Args, Typed<D>, Typed<R>, Typed<P>> = {
        args: args(record.args),
        change: change(record.change),
        ...(record.applied !== undefined ? { applied: decode<Typed<P>>(appliedSchema, record.applied, `${spec.name}: applied`) } : {}),
        ...(record.interrupted ? { interrupted: true } : {}),
      };
      return undo(ctx, typed);
    },
  };
}

export interface CheckModuleSpec<A extends Schema> {
  name: string;
  description: string;
  args: A;
  /** The check in words, for the plan: "SMTP banner on 127.0.0.1:25". */
  describe(args: Typed<A>): string;
  check(ctx: ModuleContext, args: Typed<A>): Promise<Outcome>;
}

export function defineCheckModule<A extends Schema>(spec: CheckModuleSpec<A>): CheckModule {
  const args = (raw: JsonObject): Typed<A> => decode<Typed<A>>(spec.args, raw, `${spec.name}: args`);
  return {
    name: spec.name,
    description: spec.description,
    argsSchema: spec.args as Record<string, unknown>,
    describe: (raw) => spec.describe(args(raw)),
    check: (ctx, raw) => spec.check(ctx, args(raw)),
  };
}
