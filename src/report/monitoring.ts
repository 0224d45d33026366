// The verdict a monitoring system gets from a diagnose report, shared by the Nagios and the
// Prometheus renderers so both say the same thing about the same host:
//   CRITICAL  something fails (whatever its rank: a dead content filter loses mail too);
//   WARNING   nothing fails, something warns (advice included: an outbound block or a missing
//             MX is worth a look even when no runbook fixes it);
//   UNKNOWN   nothing fails or warns, but a check that decides whether clients are served
//             could not judge (not root, a tool that hung): OK would be a claim we cannot make;
//   OK        none of the above. Checks skipped by --offline (DNS, outbound) do not count.
// Worst first: CRITICAL > WARNING > UNKNOWN > OK, as monitoring plugins combine partial states.

import type { DiagnoseReport, ReportFinding } from '../engine/diagnose-report.js';
import { QUEUES } from '../probes/queue/scan.js';
import type { QueueName } from '../probes/queue/scan.js';

export type MonitoringState = 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';

/** The monitoring-plugins exit codes. */
export const STATE_EXIT: Readonly<Record<MonitoringState, 0 | 1 | 2 | 3>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 };

/**
 * The checks whose answer "healthy" rests on (design property 6: a claim about clients): is
 * Postfix running, does it listen, does it greet on loopback and on the host's addresses, does
 * the firewall let clients in.
 */
export const VERDICT_CHECKS: ReadonlySet<string> = new Set(['service', 'listeners', 'smtp_banner', 'reachability', 'firewall']);

export interface Verdict {
  state: MonitoringState;
  /** What the status line names: a cause id, `healthy`, a check name, or `not root`. */
  label: string;
  /** One line, in the finding's own words. */
  text: string;
  /** The findings that fail or warn, most likely cause first. */
  problems: ReportFinding[];
  /** Distinct causes among the problems. */
  causes: string[];
  /** Verdict checks that could not judge. */
  blind: ReportFinding[];
}

export function verdictOf(report: DiagnoseReport): Verdict {
  const problems = report.findings.filter((f) => f.status === 'fail' || f.status === 'warn');
  // A consequence of another cause found (Postfix stopped because the port is taken) is one problem with it.
  const causes = [...new Set(problems.filter((f) => !f.explainedBy).map((f) => f.cause ?? f.check))];
  const blind = report.findings.filter((f) => f.status === 'unknown' && VERDICT_CHECKS.has(f.check));
  const base = { problems, causes, blind };
  const top = report.topCause;
  const worst = problems[0];
  if (worst) {
    const state: MonitoringState = worst.status === 'fail' ? 'CRITICAL' : 'WARNING';
    // The report's top cause is the most likely failure (or fixable warning); findings are
    // sorted by status then rank, so with no top cause the first problem is the one to name.
    if (top && top.status === worst.status) return { ...base, state, label: top.cause, text: top.title };
    return { ...base, state, label: worst.cause ?? worst.check, text: worst.title };
  }
  const first = blind[0];
  if (first) {
    const limited = report.needsRoot ?? [];
    if (limited.length > 0 && blind.some((f) => limited.includes(`${f.check}: ${f.title}`))) {
      const checks = limited.filter((l) => !l.startsWith('fact ')).length;
      return { ...base, state: 'UNKNOWN', label: 'not root', text: `${checks} check(s) could not look (run it as root, e.g. through sudo); ${first.check}: ${first.title}` };
    }
    return { ...base, state: 'UNKNOWN', label: first.check, text: first.title };
  }
  const fine = report.findings.filter((f) => f.status === 'ok').length;
  return { ...base, state: 'OK', label: 'healthy', text: `no problem found (${fine} check${fine === 1 ? '' : 's'} fine)` };
}

export interface QueueMeasures {
  /** Messages in each queue; null when the queue was not inspected. */
  messages: Record<QueueName, number> | null;
  /** Seconds the oldest message of each queue has waited (0 when empty); null when unknown. */
  oldestAgeSeconds: Record<QueueName, number> | null;
}

/** What the queue check measured (its findings carry the numbers as metrics). */
export function queueMeasures(report: DiagnoseReport): QueueMeasures {
  const m = report.findings.find((f) => f.check === 'queue' && f.metrics)?.metrics;
  const pick = (suffix: string): Record<QueueName, number> | null => {
    if (!m || !QUEUES.every((q) => typeof m[`${q}${suffix}`] === 'number')) return null;
    return Object.fromEntries(QUEUES.map((q) => [q, m[`${q}${suffix}`] as number])) as Record<QueueName, number>;
  };
  return { messages: pick('_messages'), oldestAgeSeconds: pick('_oldest_age_seconds') };
}

/** All messages in the queue (what `mailq` counts), or null. */
export function queueTotal(q: QueueMeasures): number | null {
  return q.messages ? QUEUES.reduce((n, name) => n + (q.messages as Record<QueueName, number>)[name], 0) : null;
}

/**
 * The longest any message has waited for delivery, or null. Held messages are left out: an
 * admin put them on hold on purpose, and one would otherwise keep the age alarm up for good.
 */
export function oldestWaiting(q: QueueMeasures): number | null {
  if (!q.oldestAgeSeconds) return null;
  const ages = q.oldestAgeSeconds;
  return Math.max(...QUEUES.filter((name) => name !== 'hold').map((name) => ages[name]));
}
