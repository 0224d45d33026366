// diagnose as Prometheus metrics, in the text exposition format that node_exporter's textfile
// collector reads (`--out DIR/postfix_fix.prom`, written atomically by the CLI): HELP and TYPE
// before each family, one family per name, label values escaped, no timestamps (the collector
// rejects them), a newline at the end. Every known cause is listed with both statuses, 0 or 1,
// so an alert on `== 1` always has a series to read and a cleared cause goes to 0 instead of
// vanishing. The label is `status` (fail/warn, as in the JSON report), not `severity`: alert
// rules conventionally set their own `severity` label for routing.

import type { DiagnoseReport } from '../engine/diagnose-report.js';
import { CAUSES } from '../probes/causes.js';
import { QUEUES } from '../probes/queue/scan.js';
import { byCodePoint } from '../core/compare.js';
import { queueMeasures, verdictOf } from './monitoring.js';

export interface PrometheusOptions {
  /** When the check finished (Date.now() time). */
  nowMs: number;
  /** The whole check's wall time, start-up included. */
  checkDurationMs: number;
}

type Labels = Readonly<Record<string, string>>;

interface Family {
  name: string;
  help: string;
  samples: Array<{ labels?: Labels; value: number }>;
}

const P = 'postfix_fix';

export function renderDiagnosePrometheus(report: DiagnoseReport, o: PrometheusOptions): string {
  const v = verdictOf(report);
  const found = new Set(report.findings.filter((f) => (f.status === 'fail' || f.status === 'warn') && f.cause).map((f) => `${f.cause}\u0000${f.status}`));
  const causes = [...new Set([...Object.keys(CAUSES), ...report.findings.flatMap((f) => (f.cause ? [f.cause] : []))])].sort(byCodePoint);
  const counts = { fail: 0, warn: 0, unknown: 0, ok: 0 };
  for (const f of report.findings) counts[f.status]++;
  const q = queueMeasures(report);

  const families: Family[] = [
    up(1),
    { name: `${P}_healthy`, help: '1 when nothing fails or warns and every check that decides whether clients are served could judge (the Nagios OK state), else 0.', samples: [{ value: v.state === 'OK' ? 1 : 0 }] },
    {
      name: `${P}_cause`,
      help: '1 when diagnose found this cause with this status (fail or warn), else 0. Every cause diagnose knows is listed (postfix-fix list --causes).',
      samples: causes.flatMap((cause) => (['fail', 'warn'] as const).map((status) => ({ labels: { cause, status }, value: found.has(`${cause}\u0000${status}`) ? 1 : 0 }))),
    },
    { name: `${P}_findings`, help: 'Findings of the last check by status; unknown: a check that could not judge (or was skipped with --offline).', samples: (['fail', 'warn', 'unknown', 'ok'] as const).map((status) => ({ labels: { status }, value: counts[status] })) },
  ];
  if (q.messages) {
    const messages = q.messages;
    families.push({ name: `${P}_queue_messages`, help: 'Messages in each Postfix queue (read from the spool; a lower bound above 50000).', samples: QUEUES.map((queue) => ({ labels: { queue }, value: messages[queue] })) });
  }
  if (q.oldestAgeSeconds) {
    const ages = q.oldestAgeSeconds;
    families.push({ name: `${P}_queue_oldest_message_age_seconds`, help: 'How long the oldest message in each Postfix queue has been there (arrival time from postqueue -j); 0 when the queue is empty.', samples: QUEUES.map((queue) => ({ labels: { queue }, value: ages[queue] })) });
  }
  families.push(...runFamilies(o));
  return render(families);
}

/**
 * diagnose could not run (bad flags, an invalid runbook or profile, an internal error): up is 0
 * and nothing else about the host is claimed; the timestamp still moves, so a broken check is
 * told apart from a stopped one.
 */
export function renderPrometheusFailure(o: PrometheusOptions): string {
  return render([up(0), ...runFamilies(o)]);
}

function up(value: 0 | 1): Family {
  return { name: `${P}_up`, help: '1 when postfix-fix diagnose ran and reached a verdict, 0 when it could not run (the other host metrics are then absent).', samples: [{ value }] };
}

function runFamilies(o: PrometheusOptions): Family[] {
  return [
    { name: `${P}_check_duration_seconds`, help: 'How long the last check took, start-up included.', samples: [{ value: Math.max(0, o.checkDurationMs) / 1000 }] },
    { name: `${P}_last_check_timestamp_seconds`, help: 'When the last check finished, in seconds since the Unix epoch.', samples: [{ value: o.nowMs / 1000 }] },
  ];
}

function render(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} gauge`);
    for (const s of f.samples) out.push(`${f.name}${labelSet(s.labels)} ${formatValue(s.value)}`);
  }
  return out.join('\n') + '\n';
}

function labelSet(labels: Labels | undefined): string {
  if (!labels || Object.keys(labels).length === 0) return '';
  return `{${Object.entries(labels)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',')}}`;
}

/** Label values: backslash, double quote and line feed are escaped (the exposition format). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed are escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  return String(n);
}
