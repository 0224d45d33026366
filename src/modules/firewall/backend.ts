// The firewall backend contract: the same five verbs as an action module, with the same meaning —
//   inspect (read-only, live) → diff (pure: the additions that open the blocked ports, shown in
//   the plan, or null) → apply (re-runnable after a partial apply) → verify (are our additions in
//   place?) → undo (from the journal alone, in another process after a crash; returns evidence,
//   throws on failure)
// — plus `judge`, the read side diagnose shares: does this backend let each port through now?
//
// Like defineActionModule (define.ts), a backend declares what it reads and what it journals as
// JSON Schemas, its functions see the types derived from them, and everything that crosses the
// module boundary is decoded through them first: a damaged journal record is a clear error before
// undo touches the host, and a change undo could not read back is refused before it is journaled.
// Adding a backend is one file (a spec passed to defineFirewallBackend) plus its test, and one
// entry in module.ts's BACKENDS.

import type { FromSchema, JSONSchema } from 'json-schema-to-ts';
import { StepFailure } from '../../core/errors.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import { FIREWALL_BACKENDS } from '../../core/profile.js';
import type { FirewallBackend } from '../../core/profile.js';
import { decode } from '../define.js';
import type { ModuleContext } from '../types.js';
import type { InspectEnv, PlanContext, PortVerdict } from './types.js';

type Typed<S> = S extends JSONSchema ? FromSchema<S> : never;

/**
 * One backend's share of a firewall change, as the journal holds it (Change.data.plans[]). The
 * backend's own `data` and `restore` are decoded by its schemas (below), not here.
 */
export const backendPlanSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['backend', 'opens', 'diff', 'data', 'intent', 'restore'],
  properties: {
    backend: { enum: FIREWALL_BACKENDS },
    opens: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 65535 }, description: 'The ports this plan opens in this backend.' },
    diff: { type: 'array', items: { type: 'string' }, description: 'Lines for Change.diff: `+` rules in the backend\'s own syntax, `~` persist actions, `#` notes.' },
    data: { type: 'object', description: 'What apply does; the backend\'s `data` schema.' },
    intent: { description: 'The change free of incidental detail (rule handles, positions that shift).' },
    restore: { type: 'object', description: 'What undo needs beyond `data` (file snapshots, what existed before); the backend\'s `restore` schema.' },
  },
} as const;

export type BackendPlan = FromSchema<typeof backendPlanSchema>;

/** A plan as diff makes it (its intent is JSON: it goes into Change.intent). */
export type NewBackendPlan = BackendPlan & { intent: JsonValue; data: JsonObject; restore: JsonObject };

/** A backend's change, with its own types. */
export interface BackendChange<Data, Restore> {
  opens: number[];
  diff: string[];
  data: Data;
  restore: Restore;
}

/** What diff returns: the change, and its intent for Change.intent. */
export interface PlannedChange<Data, Restore> extends BackendChange<Data, Restore> {
  intent: JsonValue;
}

export interface Presence {
  /** How many of the change's additions (rules, persisted files) are in place, of how many. */
  present: number;
  total: number;
  evidence: string[];
}

export interface FirewallBackendSpec<S extends JSONSchema, D extends JSONSchema, R extends JSONSchema, P extends JSONSchema> {
  name: FirewallBackend;
  /** ufw and firewalld own their rulesets: they are planned first and never bypassed. */
  frontend: boolean;
  /** What inspect reads (it crosses the engine as JSON between inspect and diff). */
  state: S;
  /** What apply needs; journaled. */
  data: D;
  /** What undo needs beyond `data`; journaled. */
  restore: R;
  /** What apply returns; journaled (NO_DATA when nothing). */
  applied: P;
  inspect(ctx: ModuleContext, env: InspectEnv): Promise<Typed<S>>;
  /** Pure: does this backend let each port through now? */
  judge(state: Typed<S>, env: InspectEnv): PortVerdict[];
  /** Pure: the additions that open the blocked ports, or null when this backend blocks none. Throws when no honest plan exists. */
  diff(state: Typed<S>, env: InspectEnv, pc: PlanContext): PlannedChange<Typed<D>, Typed<R>> | null;
  /** Safe to re-run after a partial apply. Throws on failure. */
  apply(ctx: ModuleContext, change: BackendChange<Typed<D>, Typed<R>>): Promise<Typed<P>>;
  /** Which of the change's additions are in place now. A check: never throws for a plain "no". */
  verify(ctx: ModuleContext, change: BackendChange<Typed<D>, Typed<R>>): Promise<Presence>;
  /**
   * Remove exactly what the change added and put back what it persisted. Idempotent; works after a
   * partial apply and without `applied`. Returns evidence; throws StepFailure when it cannot.
   */
  undo(ctx: ModuleContext, change: BackendChange<Typed<D>, Typed<R>>, applied: Typed<P> | undefined): Promise<string[]>;
}

/** A backend as the module sees it: JSON in and out, decoded at this boundary. */
export interface FirewallBackendOps {
  readonly name: FirewallBackend;
  readonly frontend: boolean;
  /** The schemas of what it journals (for reviewers and tests). */
  readonly schemas: { state: object; data: object; restore: object; applied: object };
  inspect(ctx: ModuleContext, env: InspectEnv): Promise<JsonValue>;
  judge(state: JsonValue, env: InspectEnv): PortVerdict[];
  diff(state: JsonValue, env: InspectEnv, pc: PlanContext): NewBackendPlan | null;
  apply(ctx: ModuleContext, plan: BackendPlan): Promise<JsonValue>;
  verify(ctx: ModuleContext, plan: BackendPlan): Promise<Presence>;
  /** Undo, then verify: throws StepFailure when it failed or any of our additions is still in place. */
  undo(ctx: ModuleContext, plan: BackendPlan, applied: unknown): Promise<string[]>;
}

export function defineFirewallBackend<S extends JSONSchema, D extends JSONSchema, R extends JSONSchema, P extends JSONSchema>(spec: FirewallBackendSpec<S, D, R, P>): FirewallBackendOps {
  const what = (part: string): string => `firewall backend ${spec.name}: ${part}`;
  const schemas = { state: spec.state as object, data: spec.data as object, restore: spec.restore as object, applied: spec.applied as object };
  const state = (raw: unknown): Typed<S> => decode<Typed<S>>(schemas.state, raw, what('the state inspect read'));
  const change = (plan: BackendPlan): BackendChange<Typed<D>, Typed<R>> => {
    if (plan.backend !== spec.name) throw new StepFailure(what(`handed a plan for ${plan.backend}`));
    return {
      opens: plan.opens,
      diff: plan.diff,
      data: decode<Typed<D>>(schemas.data, plan.data, what("the change's data")),
      restore: decode<Typed<R>>(schemas.restore, plan.restore, what('the state to restore')),
    };
  };
  return {
    name: spec.name,
    frontend: spec.frontend,
    schemas,
    // What inspect read is what diff will decode: checked where it is made.
    inspect: async (ctx, env) => decode<JsonValue>(schemas.state, await spec.inspect(ctx, env), what('the state inspect read')),
    judge: (raw, env) => spec.judge(state(raw), env),
    diff(raw, env, pc) {
      const c = spec.diff(state(raw), env, pc);
      if (c === null) return null;
      // What undo could not read back must not be journaled: checked before it is.
      return {
        backend: spec.name,
        opens: c.opens,
        diff: c.diff,
        intent: c.intent,
        data: decode<JsonObject>(schemas.data, c.data, what("the change's data")),
        restore: decode<JsonObject>(schemas.restore, c.restore, what('the state to restore')),
      };
    },
    apply: async (ctx, plan) => decode<JsonValue>(schemas.applied, await spec.apply(ctx, change(plan)), what('what apply returned')),
    verify: async (ctx, plan) => spec.verify(ctx, change(plan)),
    async undo(ctx, plan, rawApplied) {
      const c = change(plan);
      const applied = rawApplied === undefined ? undefined : decode<Typed<P>>(schemas.applied, rawApplied, what('what apply returned'));
      const failures: string[] = [];
      let evidence: string[] = [];
      try {
        evidence = await spec.undo(ctx, c, applied);
      } catch (e) {
        failures.push(`${spec.name}: ${(e as Error).message}`, ...(e instanceof StepFailure ? e.evidence : []));
      }
      // Undo verifies what it restored, whatever it believes it did.
      const left = await spec.verify(ctx, c);
      if (left.present > 0) failures.push(`${spec.name}: ${left.present} of our ${left.total} additions are still in place`, ...left.evidence);
      if (failures.length > 0) throw new StepFailure(what('could not be fully restored'), [...evidence, ...failures]);
      return evidence;
    },
  };
}
