// Probes are diagnose's read-only checks. Each returns findings; a non-ok finding names a cause
// (from the registry in causes.ts), and runbooks declare which causes they fix.

import type { Executor } from '../exec/types.js';
import type { HostFs } from '../exec/host-fs.js';
import type { Facts } from '../facts/types.js';
import type { Profile } from '../engine/catalog/types.js';

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
}

export interface ProbeContext {
  exec: Executor;
  /** The host's files; all reads and writes of host state go through it (never node:fs directly). */
  fs: HostFs;
  facts: Facts;
  profile: Profile;
  /** Absolute time (Date.now()) by which the probe must have returned. */
  deadline: number;
  /** Whether we run as root (some checks need it; they say so instead of failing). */
  isRoot: boolean;
}

export interface Probe {
  readonly name: string;
  readonly description: string;
  /** This probe's own budget; the overall --timeout caps it further. */
  readonly timeoutMs: number;
  run(ctx: ProbeContext): Promise<Finding[]>;
}
