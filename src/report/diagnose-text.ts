// diagnose for a person at a terminal: the cause in one line, its evidence, the command that
// fixes it; then every other finding, one line each (problems with their evidence).

import { NO_COLOURS } from './colour.js';
import type { Colours } from './colour.js';
import type { DiagnoseReport, ReportFinding } from '../engine/diagnose-report.js';

const MARK: Readonly<Record<ReportFinding['status'], string>> = { fail: '✗', warn: '!', unknown: '?', ok: '✓' };

export function renderDiagnoseText(report: DiagnoseReport, c: Colours = NO_COLOURS): string {
  const paint = (f: Pick<ReportFinding, 'status'>, s: string): string => (f.status === 'fail' ? c.red(s) : f.status === 'warn' ? c.yellow(s) : f.status === 'ok' ? c.green(s) : c.dim(s));
  const out: string[] = [];
  const top = report.topCause;
  const cl = report.client;
  if (cl) {
    const who = cl.address === null ? 'any client' : cl.name ? `${cl.address} (${cl.name})` : cl.address;
    out.push(c.dim(`Seen from ${who}, port${cl.ports.length === 1 ? '' : 's'} ${cl.ports.join(', ')}${cl.address !== null && cl.via ? `, arriving via ${cl.via}` : ''}${cl.portsGiven ? '' : ' (25 and the smtpd ports master.cf offers)'}`));
  }
  if (top) {
    const head = top.status === 'fail' ? c.red(c.bold('✗ Cause:')) : c.yellow(c.bold('! Cause:'));
    out.push(`${head} ${c.bold(top.title)} ${c.dim(`(${top.cause})`)}`);
    for (const e of top.evidence.slice(0, 8)) out.push(`    ${e}`);
    if (top.command) out.push(`  ${c.bold('Fix:')} ${c.cyan(top.command)}`);
    else out.push(...humanLines(top.human, c));
  } else {
    const problems = report.findings.filter((f) => f.status === 'warn');
    if (report.status === 'healthy') out.push(`${c.green(c.bold('✓ Healthy:'))} no problem found${problems.length ? ` (${problems.length} warning${problems.length === 1 ? '' : 's'} below)` : ''}`);
    else out.push(`${c.yellow(c.bold('! Warnings:'))} nothing fails, but see below`);
  }
  // Findings of the top cause are already in its evidence.
  const rest = report.findings.filter((f) => !(top && f.cause === top.cause && f.status !== 'ok'));
  const problems = rest.filter((f) => f.status !== 'ok');
  if (problems.length > 0) {
    out.push('', c.bold('Also found:'));
    for (const f of problems) {
      out.push(`  ${paint(f, MARK[f.status])} ${f.title}${f.cause ? c.dim(` (${f.cause})`) : ''}`);
      for (const e of f.evidence.slice(0, 4)) out.push(c.dim(`      ${e}`));
      if (f.explainedBy) out.push(`      ↳ a consequence of ${f.explainedBy}: ${f.explainedBy === top?.cause ? 'fixing the cause above fixes this' : 'fixed with it'}`);
      else if (f.fixedBy[0]) out.push(`      fix: ${c.cyan(report.fixes.find((x) => x.runbook === f.fixedBy[0])?.command ?? `postfix-fix run --runbook ${f.fixedBy[0]}`)}`);
      else if (f.human) out.push(c.dim(`      needs a human: ${f.human.reason}`));
    }
  }
  const oks = rest.filter((f) => f.status === 'ok');
  if (oks.length > 0) {
    out.push('', c.bold('Checked and fine:'));
    for (const f of oks) out.push(`  ${c.green('✓')} ${f.title}`);
  }
  if (report.fixes.length > 1) {
    out.push('', c.bold('Runbooks that fix what was found:'));
    for (const f of report.fixes) out.push(`  ${c.cyan(f.command)}  ${c.dim(`# ${f.causes.join(', ')}`)}`);
  }
  if (report.factErrors.length > 0) {
    out.push('', c.bold('Could not find out:'));
    for (const e of report.factErrors) out.push(c.dim(`  ${e.fact}: ${e.message}`));
  }
  if (report.needsRoot && report.needsRoot.length > 0) {
    out.push('', c.bold('Not run as root — these checks were limited (run as root to check them fully):'));
    for (const n of report.needsRoot) out.push(c.dim(`  ${n}`));
  }
  out.push('', c.dim(`${report.host.hostname || 'host'} · ${report.host.os || 'unknown OS'} · profile ${report.profile.id} · Postfix ${report.host.postfixVersion ?? 'not installed'} · ${(report.durationMs / 1000).toFixed(2)} s${report.offline ? ' · offline' : ''}`));
  return out.join('\n') + '\n';
}

function humanLines(human: { reason: string; steps: string[] } | undefined, c: Colours): string[] {
  if (!human) return [`  ${c.bold('Fix:')} no runbook fixes this; it needs a human (see the evidence)`];
  return [`  ${c.bold('Needs a human:')} ${human.reason}`, ...human.steps.map((s, i) => `    ${i + 1}. ${s}`)];
}
