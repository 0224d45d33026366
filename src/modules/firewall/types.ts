// The common shape of a firewall backend for the firewall module. Adding a backend is one file
// implementing FirewallBackendOps plus a line in module.ts.
//
// A backend's `inspect` reads everything its plan needs (read-only, live); `plan` is pure, so the
// plan shown to a reviewer is computed from exactly the state that was journaled; `apply` and
// `undo` act on the plan alone, so undo works from the journal in another process after a crash.

import type { JsonObject, JsonValue } from '../../core/json.js';
import type { FirewallBackend } from '../../core/profile.js';
import type { Decision } from '../../facts/firewall/packet.js';
import type { ModuleContext } from '../types.js';

/** The comment every rule we add carries: how undo (and a human) tells ours from theirs. */
export const TAG = 'postfix-fix';

/** Where a stranger's connection arrives: an interface and its own addresses. */
export interface OutsideIface extends JsonObject {
  name: string;
  v4: string[];
  v6: string[];
}

/** What every backend's inspect is told about the host as it is now. */
export interface InspectEnv {
  ports: number[];
  outside: OutsideIface[];
  /** Backends active now (live re-check), in the profile's order of preference. */
  active: FirewallBackend[];
}

/** One backend's answer for one port, arriving on one interface (and address family). */
export interface PortVerdict extends JsonObject {
  backend: FirewallBackend;
  port: number;
  iface: string;
  family: 4 | 6;
  verdict: Decision['verdict'];
  detail: string;
}

/** What the plans made so far (frontends first) will open: later backends plan around it. */
export interface PlanContext {
  ports: number[];
  active: FirewallBackend[];
  /** Ports a frontend in this plan opens, by frontend. */
  openedBy: Map<FirewallBackend, Set<number>>;
}

/** One backend's share of the change. JSON: it is journaled as part of the Change. */
export interface BackendPlan extends JsonObject {
  backend: FirewallBackend;
  /** The ports this plan opens in this backend. */
  opens: number[];
  /** Lines for Change.diff: `+` rules in the backend's own syntax, `~` persist actions, `#` notes. */
  diff: string[];
  /** What apply does (backend-specific). */
  data: JsonObject;
  /** The change free of incidental detail (rule handles, positions that shift). */
  intent: JsonValue;
  /** What undo needs beyond `data`: file snapshots, what existed before. */
  restore: JsonObject;
}

export interface FirewallBackendOps {
  readonly name: FirewallBackend;
  /** ufw and firewalld own their rulesets: they are planned first and never bypassed. */
  readonly frontend: boolean;
  inspect(ctx: ModuleContext, env: InspectEnv): Promise<JsonObject>;
  /** Pure: does this backend let each port through now? */
  verdicts(state: JsonObject, env: InspectEnv): PortVerdict[];
  /** Pure: the additions that open the blocked ports, or null when this backend blocks none. */
  plan(state: JsonObject, env: InspectEnv, pc: PlanContext): BackendPlan | null;
  /** Safe to re-run after a partial apply. Returns extra undo data. */
  apply(ctx: ModuleContext, plan: BackendPlan): Promise<JsonValue>;
  /**
   * Remove exactly what `plan` added and put back what it persisted. Idempotent; works after a
   * partial apply and without `applied`. Returns evidence lines; throws StepFailure when it cannot.
   */
  undo(ctx: ModuleContext, plan: BackendPlan, applied: JsonValue | undefined): Promise<string[]>;
  /** Which of the plan's additions (rules, persisted copies) are in place now. */
  check(ctx: ModuleContext, plan: BackendPlan): Promise<PlanPresence>;
}

export interface PlanPresence {
  /** How many of the plan's additions are in place, of how many. */
  present: number;
  total: number;
  evidence: string[];
}

/** A port verdict in one line of evidence. */
export function describeVerdict(v: PortVerdict): string {
  return `${v.backend}: ${v.port}/tcp${v.family === 6 ? ' (IPv6)' : ''} from outside via ${v.iface} → ${v.verdict}${v.detail ? ` (${v.detail})` : ''}`;
}

export const blocks = (v: PortVerdict): boolean => v.verdict === 'drop' || v.verdict === 'reject';
