// Probes are diagnose's read-only checks. Each returns findings; a non-ok finding names a cause
// (from the registry in causes.ts), and runbooks declare which causes they fix.

import type { Executor } from '../core/exec.js';
import type { HostFs } from '../core/host-fs.js';
import type { Facts } from '../facts/types.js';
import type { HostContext } from '../core/context.js';

export type FindingStatus = 'ok' | 'warn' | 'fail' | 'unknown';

export interface Finding {
  /** The check this came from: `service`, `listeners`, `firewall`, … */
  check: string;
  status: FindingStatus;
  /** Set when status is warn/fail: the diagnosis, an id from the cause registry. */
  cause?: string;
  /** One line: what is wrong (or what is fine). */
  title: string;
  evidence: string[];
  /** Runbook ids that fix this cause (filled in by diagnose from the catalog). */
  fixedBy: string[];
  /** When no runbook can fix it: why, and what a person should do. */
  human?: { reason: string; steps: string[] };
  /**
   * Another cause found at the same time that explains this one (Postfix "not running" because
   * another program holds port 25): the finding is its consequence, not a cause of its own, and no
   * runbook is offered for it (see chains.ts).
   */
  explainedBy?: string;
  /**
   * Numbers the check measured, for monitoring (Nagios perfdata, Prometheus): snake_case names
   * ending in their unit, e.g. `deferred_messages`, `deferred_oldest_age_seconds`.
   */
  metrics?: Readonly<Record<string, number>>;
}

export interface ProbeContext extends HostContext {
  facts: Facts;
  /** Whether we run as root (some checks need it; they say so instead of failing). */
  isRoot: boolean;
  /** How the network checks may behave; defaults when absent (see DEFAULT_PROBE_SETTINGS). */
  settings?: ProbeSettings;
}

export interface ProbeSettings {
  /** No traffic beyond this host: the DNS and outbound checks report "skipped". */
  offline: boolean;
  /** Domain whose MX the outbound port 25 check connects to. */
  outboundDomain: string;
}

export interface WarmupCommand {
  argv: readonly string[];
  input?: string;
}

/**
 * A probe's slow commands that do not depend on the facts (`postfix check`): diagnose starts them
 * first thing, and the probe's identical call later joins the run already under way. May look at
 * the host's files first to decide (cheaply) that nothing needs starting. Kept in light modules:
 * the point is to start before the rest of diagnose is loaded.
 */
export interface Warmup {
  /** That probe's budget (the run gets the same, stretched by a longer --timeout). */
  readonly timeoutMs: number;
  commands(env: { exec: Executor; fs: HostFs; isRoot: boolean }): Promise<WarmupCommand[]>;
}

export const DEFAULT_PROBE_SETTINGS: ProbeSettings = { offline: false, outboundDomain: 'gmail.com' };

export interface Probe {
  readonly name: string;
  readonly description: string;
  /** This probe's own budget; the overall --timeout caps it further. */
  readonly timeoutMs: number;
  /** Causes this probe can report: lets a runbook's `gone` check re-run only what matters. */
  readonly causes?: readonly string[];
  run(ctx: ProbeContext): Promise<Finding[]>;
}
