// diagnose as a Nagios/Icinga check (the monitoring-plugins contract): exit 0 OK, 1 WARNING,
// 2 CRITICAL, 3 UNKNOWN; stdout is one status line, then the long output (the evidence, the fix,
// the other findings). Perfdata rides on the status line, after `|`: the plugin API also allows
// it after the long output, but NRPE and some relays keep only the first line (or the first
// KiB), and the numbers must survive them. Perfdata units follow the guidelines: `s` for
// durations, none for gauges (`c` would tell graphers these are ever-growing counters).

import type { DiagnoseReport, ReportFinding } from '../engine/diagnose-report.js';
import { STATE_EXIT, oldestWaiting, queueMeasures, queueTotal, verdictOf } from './monitoring.js';
import type { MonitoringState } from './monitoring.js';

export const NAGIOS_PREFIX = 'POSTFIX-FIX';

export interface NagiosOutput {
  state: MonitoringState;
  exitCode: 0 | 1 | 2 | 3;
  text: string;
}

export interface NagiosOptions {
  /** The whole check's wall time, start-up included (what the monitoring system waited). */
  checkDurationMs: number;
}

const EVIDENCE_LINES = 8;
const MARK: Readonly<Record<ReportFinding['status'], MonitoringState>> = { fail: 'CRITICAL', warn: 'WARNING', unknown: 'UNKNOWN', ok: 'OK' };

export function renderDiagnoseNagios(report: DiagnoseReport, o: NagiosOptions): NagiosOutput {
  const v = verdictOf(report);
  const q = queueMeasures(report);
  const more = v.causes.length > 1 ? ` (+${v.causes.length - 1} more)` : '';
  const perf = [perfdata('duration', seconds(o.checkDurationMs), 's'), perfdata('problems', String(v.causes.length))];
  const total = queueTotal(q);
  if (total !== null) perf.push(perfdata('queue', String(total)));
  const oldest = oldestWaiting(q);
  if (oldest !== null) perf.push(perfdata('oldest_message_age', String(oldest), 's'));

  const long: string[] = [];
  const top = report.topCause;
  const named = v.problems.filter((f) => (f.cause ?? f.check) === v.label);
  if (top && top.cause === v.label) {
    long.push(...top.evidence.slice(0, EVIDENCE_LINES));
    long.push(top.command ? `fix: ${top.command}` : top.human ? `needs a human: ${top.human.reason}` : 'needs a human: no runbook fixes this');
  } else if (named[0]) {
    long.push(...named[0].evidence.slice(0, EVIDENCE_LINES));
    long.push(named[0].fixedBy[0] ? `fix: ${fixCommand(report, named[0].fixedBy[0])}` : `needs a human: ${named[0].human?.reason ?? 'no runbook fixes this'}`);
  } else if (v.state === 'UNKNOWN') {
    for (const f of v.blind) long.push(`${f.check}: ${f.title}`, ...f.evidence.slice(0, 2).map((e) => `  ${e}`));
  }
  // The named cause's findings are above; every other problem and every check that could not
  // judge gets one line (state, title, cause, fix).
  for (const f of report.findings) {
    if (f.status === 'ok' || named.includes(f) || (v.state === 'UNKNOWN' && v.blind.includes(f))) continue;
    const fix = f.fixedBy[0] ? ` · fix: ${fixCommand(report, f.fixedBy[0])}` : '';
    long.push(`[${MARK[f.status]}] ${f.title}${f.cause ? ` (${f.cause})` : ''}${fix}`);
  }
  const fine = report.findings.filter((f) => f.status === 'ok').length;
  long.push(`${fine} check${fine === 1 ? '' : 's'} fine · ${report.host.hostname || 'host'} · Postfix ${report.host.postfixVersion ?? 'not installed'} · profile ${report.profile.id}${report.offline ? ' · offline' : ''}`);

  const status = `${NAGIOS_PREFIX} ${v.state} - ${oneLine(v.label)}: ${oneLine(v.text)}${more}`;
  return { state: v.state, exitCode: STATE_EXIT[v.state], text: [`${status} | ${perf.join(' ')}`, ...long.map(oneLine)].join('\n') + '\n' };
}

/**
 * UNKNOWN: diagnose could not reach a verdict (bad flags, an invalid runbook or profile, an
 * internal error). A monitoring system must not read that as OK, nor as a broken mail server.
 */
export function renderNagiosFailure(message: string, o: Partial<NagiosOptions> = {}): NagiosOutput {
  const [first = 'unknown error', ...rest] = message.split('\n').filter((l) => l.trim() !== '');
  const perf = o.checkDurationMs !== undefined ? ` | ${perfdata('duration', seconds(o.checkDurationMs), 's')}` : '';
  const lines = [`${NAGIOS_PREFIX} UNKNOWN - diagnose could not run: ${oneLine(first)}${perf}`, ...rest.map(oneLine)];
  return { state: 'UNKNOWN', exitCode: STATE_EXIT.UNKNOWN, text: lines.join('\n') + '\n' };
}

/** `label=value[UOM];warn;crit;min;max` — no thresholds (the verdict is ours), minimum 0. */
function perfdata(label: string, value: string, uom = ''): string {
  return `${label}=${value}${uom};;;0`;
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/**
 * One output line: a `|` would start perfdata (monitoring systems split on it), and control
 * characters or a newline inside a finding would break the line structure.
 */
export function oneLine(text: string): string {
  return text.replace(/\|/g, '¦').replace(/[\u0000-\u001f\u007f]+/g, ' ').trimEnd();
}

/** The command that runs a runbook for the same client (--from, --port) the report answers for. */
function fixCommand(report: DiagnoseReport, runbook: string): string {
  return report.fixes.find((x) => x.runbook === runbook)?.command ?? `postfix-fix run --runbook ${runbook}`;
}
