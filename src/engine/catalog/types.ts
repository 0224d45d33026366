// The typed shapes runbooks and profiles are validated into, once, at the edge. Nothing past the
// loader sees raw YAML.

import type { SourceLocation } from '../../core/errors.js';
import type { JsonObject, Scalar } from '../../core/json.js';
import type { Profile } from '../../core/profile.js';
import type { Risk } from '../../core/risk.js';



/** Where a condition reads its value: a fact path (validated) or a runbook variable. */
export type Operand = { fact: string } | { var: string };

export type Condition =
  | (Operand & { equals: Scalar })
  | (Operand & { in: Scalar[] })
  | (Operand & { contains: Scalar })
  | (Operand & { matches: string })
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export type VariableType = 'string' | 'number' | 'boolean' | 'string[]' | 'number[]';
export type VariableValue = string | number | boolean | string[] | number[];

export interface VariableSpec {
  type: VariableType;
  default: VariableValue;
  description: string;
  /** Allowed values (strings or numbers) — for a list, each element must be one of these. */
  enum?: Scalar[];
}

export type Check =
  | { kind: 'that'; name: string; that: Condition; location: SourceLocation }
  | { kind: 'module'; name: string; module: string; args: JsonObject; location: SourceLocation }
  | { kind: 'gone'; name: string; cause: string; location: SourceLocation };

export interface StepAction {
  module: string;
  /** May contain `{{ var.NAME }}` / `{{ fact.PATH }}` / `{{ profile.PATH }}` templates. */
  args: JsonObject;
}

export interface Step extends StepAction {
  /** Stable within the runbook: `<runbook-id>#<index>`. */
  id: string;
  name: string;
  risk: Risk;
  when?: Condition;
  /** An explicit undo that replaces the module's own; its args are resolved at plan time, like the step's. */
  rollback?: StepAction & { location: SourceLocation };
  location: SourceLocation;
}

export interface Runbook {
  id: string;
  title: string;
  description: string;
  /** Cause ids (from diagnose) this runbook fixes. */
  symptoms: string[];
  /** Runbooks that must run before this one, and succeed, when both are planned. */
  after: string[];
  /** Planned only when named with --runbook, never chosen from findings (schema: `on_request`). */
  onRequest: boolean;
  variables: Record<string, VariableSpec>;
  preconditions: Check[];
  steps: Step[];
  verify: Check[];
  source: { file: string; sha256: string };
}

export interface Catalog {
  runbooks: Map<string, Runbook>;
  profiles: Map<string, Profile>;
}
