// The plan: plain, JSON-serialisable data passed from planning to applying (and saved to a file
// for a reviewer). It says, for every step, what will change and why, how it is undone and
// verified, and fingerprints what it was computed from.

import type { FactValue } from '../facts/paths.js';
import type { Change } from '../modules/types.js';
import type { Finding } from '../probes/types.js';
import type { JsonObject } from '../core/json.js';
import type { Risk } from '../core/risk.js';
import type { StepAction, VariableValue } from './catalog/types.js';
import type { ClientQuery } from '../core/client.js';

export const PLAN_SCHEMA_VERSION = 1;

export interface PlannedCheck {
  name: string;
  kind: 'that' | 'module' | 'gone';
  /** What is checked, in words (`relay.safe == true`, `smtp 127.0.0.1:25 expects banner`). */
  description: string;
  /** Evaluated at plan time for preconditions; null for verifications (run after the change). */
  ok: boolean | null;
  evidence: string[];
  /** For module checks: the module and its resolved args. */
  module?: string;
  args?: JsonObject;
  /** For `gone`: the cause that must no longer be found. */
  cause?: string;
}

export type StepStatus = 'change' | 'ok' | 'skipped' | 'not-applicable';

export interface PlannedStep {
  /** 1-based order of the step in the whole plan. */
  seq: number;
  stepId: string;
  runbook: string;
  name: string;
  module: string;
  risk: Risk;
  args: JsonObject;
  status: StepStatus;
  /** Why it is skipped / not applicable / ok. */
  reason?: string;
  change?: Change;
  /** sha256 of the inspected state: a saved plan refuses to apply if it differs. */
  stateDigest?: string;
  /** An explicit rollback action, its args resolved (templates filled in) as the step's are. */
  rollback: StepAction | null;
  /** False when the step's change cannot be undone (its module says why, in `undo`). */
  reversible: boolean;
  /** How the change is undone, in words: "cannot be undone: …" when it cannot. */
  undo: string;
  verification: string;
}

export type RunbookStatus = 'ready' | 'nothing-to-do' | 'blocked';

export interface PlannedRunbook {
  id: string;
  title: string;
  file: string;
  sha256: string;
  /** The diagnose causes that put this runbook in the plan (empty when chosen with --runbook). */
  triggeredBy: Array<{ cause: string; title: string }>;
  variables: Record<string, VariableValue>;
  preconditions: PlannedCheck[];
  status: RunbookStatus;
  blockedReason?: string;
  steps: PlannedStep[];
  verify: PlannedCheck[];
}

export interface Plan {
  schemaVersion: number;
  tool: { name: 'postfix-fix'; version: string };
  createdAt: string;
  host: { hostname: string; os: string };
  profile: { id: string; sha256: string };
  serviceManager: string;
  findings: Finding[];
  runbooks: PlannedRunbook[];
  fingerprint: {
    /** Fact values the plan's conditions and templates read. */
    facts: Record<string, FactValue>;
    digest: string;
  };
  summary: { changes: number; maxRisk: Risk | null; blocked: string[] };
  /** The client and ports the plan was made for (--from, --port): `apply` judges the same ones. */
  client?: ClientQuery;
  /** One line when a cause may be hidden behind one this plan fixes (stacking.ts); absent otherwise. */
  stacking?: string;
}

