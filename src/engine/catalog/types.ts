// The typed shapes runbooks and profiles are validated into, once, at the edge. Nothing past the
// loader sees raw YAML.

import type { SourceLocation } from '../errors.js';
import type { FirewallBackend, ServiceManager } from '../../facts/types.js';

export type Risk = 'low' | 'medium' | 'high';
export const RISKS: readonly Risk[] = ['low', 'medium', 'high'];
export const RISK_RANK: Readonly<Record<Risk, number>> = { low: 1, medium: 2, high: 3 };

export type Scalar = string | number | boolean;
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

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
  /** An explicit undo that replaces the module's own. */
  rollback?: StepAction;
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
  variables: Record<string, VariableSpec>;
  preconditions: Check[];
  steps: Step[];
  verify: Check[];
  source: { file: string; sha256: string };
}

export interface ProfileMatch {
  /** os-release ID values this profile is for (`debian`, `rocky`, …). */
  ids: string[];
  /** A semver range over the coerced VERSION_ID (`>=20.4.0 <24.5.0`); absent = any version. */
  versions?: string;
}

export interface ConflictingMta {
  name: string;
  packages: string[];
  units: string[];
  /** Process names (comm) the daemon runs as. */
  processes: string[];
}

export interface Profile {
  id: string;
  name: string;
  family: string;
  extends?: string;
  match: ProfileMatch;
  /** What the distro normally uses; facts say what actually runs. */
  serviceManager: ServiceManager;
  services: {
    /** Unit (systemd), service script (OpenRC/SysV) names for Postfix, in the order to try. */
    postfix: string[];
  };
  paths: {
    postfixConfigDir: string;
    postfixQueueDir: string;
    postfixDataDir: string;
    masterPid: string;
    mailLogs: string[];
    nftablesConfig: string;
    iptablesRulesV4: string | null;
    iptablesRulesV6: string | null;
  };
  firewall: {
    /** Backends in order of preference when several are active. */
    preferred: FirewallBackend[];
    iptablesPersistence: 'netfilter-persistent' | 'iptables-services' | 'none';
  };
  packages: {
    manager: 'apt' | 'dnf' | 'yum' | 'zypper' | 'apk' | 'pacman';
    /** argv that prints whether a package is installed; the package name is appended. */
    query: string[];
  };
  conflictingMtas: ConflictingMta[];
  /** A safe `smtpd_relay_restrictions` for this distro's Postfix version. */
  relayRestrictions: string;
  mac: { selinux: boolean; apparmor: boolean };
  source: { file: string; sha256: string };
}

export interface Catalog {
  runbooks: Map<string, Runbook>;
  profiles: Map<string, Profile>;
}
