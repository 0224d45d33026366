// diagnose for a ticket: the cause and its fix first, then a table of every check, then the
// evidence of each problem. No colour, nothing terminal-specific.

import type { DiagnoseReport } from '../engine/diagnose-report.js';

const ICON = { fail: '❌ fail', warn: '⚠️ warn', unknown: '❔ unknown', ok: '✅ ok' } as const;

export function renderDiagnoseMarkdown(report: DiagnoseReport): string {
  const out: string[] = [`## postfix-fix diagnose: ${report.host.hostname || 'host'}`, ''];
  out.push(`${report.host.os || 'unknown OS'} · profile \`${report.profile.id}\` · Postfix ${report.host.postfixVersion ?? 'not installed'} · ${report.startedAt} · ${(report.durationMs / 1000).toFixed(2)} s`, '');
  const top = report.topCause;
  if (top) {
    out.push(`**Cause:** ${md(top.title)} (\`${top.cause}\`)`, '');
    for (const e of top.evidence) out.push(`- ${md(e)}`);
    out.push('');
    if (top.command) out.push('**Fix:**', '', '```sh', top.command, '```', '');
    else if (top.human) {
      out.push(`**Needs a human:** ${md(top.human.reason)}`, '');
      top.human.steps.forEach((s, i) => out.push(`${i + 1}. ${md(s)}`));
      out.push('');
    }
  } else out.push(report.status === 'healthy' ? '**Healthy:** no problem found.' : '**No failure**, but see the warnings below.', '');

  out.push('| status | check | finding | cause | fixed by |', '|---|---|---|---|---|');
  for (const f of report.findings) {
    out.push(`| ${ICON[f.status]} | ${f.check} | ${md(f.title)} | ${f.cause ? `\`${f.cause}\`` : ''} | ${f.explainedBy ? `with \`${f.explainedBy}\`` : f.fixedBy.map((r) => `\`${r}\``).join(', ')} |`);
  }
  out.push('');
  const problems = report.findings.filter((f) => f.status !== 'ok' && f.evidence.length > 0);
  if (problems.length > 0) {
    out.push('### Evidence', '');
    for (const f of problems) {
      out.push(`**${md(f.title)}**`, '');
      for (const e of f.evidence) out.push(`- ${md(e)}`);
      if (f.human && f.fixedBy.length === 0) {
        out.push('', `Needs a human: ${md(f.human.reason)}`, '');
        f.human.steps.forEach((s, i) => out.push(`${i + 1}. ${md(s)}`));
      }
      out.push('');
    }
  }
  if (report.fixes.length > 0) {
    out.push('### Fixes', '');
    for (const f of report.fixes) out.push(`- \`${f.command}\` — ${md(f.title)} (${f.causes.map((c) => `\`${c}\``).join(', ')})`);
    out.push('');
  }
  if (report.factErrors.length > 0) {
    out.push('### Could not find out', '');
    for (const e of report.factErrors) out.push(`- \`${e.fact}\`: ${md(e.message)}`);
    out.push('');
  }
  if (report.needsRoot && report.needsRoot.length > 0) {
    out.push('', '## Limited without root', '', 'Run as root to check these fully:', '');
    for (const n of report.needsRoot) out.push(`- ${md(n)}`);
  }
  return out.join('\n');
}

/** Keep table cells and list items intact: escape pipes, flatten newlines. */
function md(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
