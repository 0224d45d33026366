import { appendFileSync } from 'node:fs';
import { redactArgv } from '../core/redact.js';
import { formatArgv } from './quote.js';
import type { AuditEntry, AuditListener } from '../core/exec.js';

/** One line per command, for the audit trail: time, exit, duration, the exact argv. */
export function formatAuditLine(e: AuditEntry): string {
  const status = e.timedOut ? 'timeout' : e.signal ? `signal=${e.signal}` : `rc=${e.exitCode}`;
  return `${e.at} exec ${status} ${e.durationMs}ms ${formatArgv(redactArgv(e.argv))}`;
}

/** Collects every command of a run; reports and journals read from it. */
export class AuditLog {
  readonly entries: AuditEntry[] = [];
  private readonly listeners: AuditListener[] = [];

  record(entry: AuditEntry): void {
    this.entries.push(entry);
    for (const l of this.listeners) l(entry);
  }

  subscribe(listener: AuditListener): void {
    this.listeners.push(listener);
  }

  /** Mirror every line into a file (the run's directory); sync so a crash keeps what ran. */
  mirrorToFile(path: string): void {
    this.subscribe((e) => appendFileSync(path, formatAuditLine(e) + '\n', { mode: 0o600 }));
  }
}
