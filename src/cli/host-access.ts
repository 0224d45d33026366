// The first thing a command builds: the executor (with its audit log) and the host's files, and
// for diagnosing commands the warm-up that starts `postfix check` at once. Kept light — no
// catalog, no YAML, no schemas — so `diagnose` can start its slowest check before loading the
// ~0.6 MB of code the rest of it needs (src/cli/commands/diagnose.ts).

import { AuditLog, formatAuditLine } from '../exec/audit.js';
import { createExecutor } from '../exec/executor.js';
import { createHostFs } from '../exec/host-fs.js';
import type { HostFs } from '../core/host-fs.js';
import type { Executor } from '../core/exec.js';
import { startDiagnoseWarmup } from '../probes/warmup.js';
import type { WarmExecutor } from '../probes/warm-exec.js';
import { flag } from './args.js';
import type { ParsedArgs } from './args.js';

export interface HostAccess {
  /** When this process started (Date.now() time): --timeout counts from here. */
  startedAt: number;
  debug: boolean;
  audit: AuditLog;
  exec: Executor;
  fs: HostFs;
  /** Probe commands started before anything else (diagnose's critical path: `postfix check`). */
  warm: WarmExecutor | null;
}

export interface HostAccessOptions {
  /** Start diagnose's slow, fact-independent commands right away, with this budget. */
  warmDiagnoseMs?: number;
}

export function openHostAccess(args: ParsedArgs, options: HostAccessOptions = {}): HostAccess {
  const startedAt = Date.now() - Math.round(process.uptime() * 1000);
  const debug = flag(args, 'debug');
  const audit = new AuditLog();
  if (debug) audit.subscribe((e) => process.stderr.write(`debug: ${formatAuditLine(e)}\n`));
  const exec = createExecutor({ audit });
  const fs = createHostFs('/');
  const warm = options.warmDiagnoseMs !== undefined ? startDiagnoseWarmup({ exec, fs, timeoutMs: options.warmDiagnoseMs }) : null;
  return { startedAt, debug, audit, exec, fs, warm };
}
