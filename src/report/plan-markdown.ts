// A plan for a pull request or a change ticket: headings, a table of steps, diffs in ```diff.

import type { Plan, PlannedCheck } from '../engine/plan-types.js';
import { irreversibleChanges } from './plan-text.js';
import { layerOrder } from '../engine/stacking.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const mark = (c: PlannedCheck): string => (c.ok === true ? '✅' : c.ok === false ? '❌' : '—');

export function renderPlanMarkdown(plan: Plan): string {
  const final = irreversibleChanges(plan);
  const out: string[] = [
    `# postfix-fix plan for \`${plan.host.hostname}\``,
    '',
    `- **Host:** ${plan.host.os} · profile \`${plan.profile.id}\` · service manager \`${plan.serviceManager}\``,
    `- **Made:** ${plan.createdAt} by postfix-fix ${plan.tool.version}`,
    `- **Fingerprint:** \`${plan.fingerprint.digest}\``,
    `- **Changes:** ${plan.summary.changes}${plan.summary.maxRisk ? ` (highest risk: **${plan.summary.maxRisk}**)` : ''}${final ? ` · **${final} cannot be undone**` : ''}${plan.summary.blocked.length ? ` · blocked: ${plan.summary.blocked.map((b) => `\`${b}\``).join(', ')}` : ''}`,
  ];
  const ready = plan.runbooks.filter((rb) => rb.status === 'ready');
  if (ready.length > 1) out.push(`- **Order** (lower layers first): ${layerOrder(ready)}`);
  if (plan.stacking) out.push(`- **Later:** ${plan.stacking}`);
  out.push('');
  const problems = plan.findings.filter((f) => f.status === 'fail' || f.status === 'warn');
  if (problems.length) {
    out.push('## Diagnosis', '', '| status | finding | cause |', '|---|---|---|');
    for (const f of problems) out.push(`| ${f.status} | ${cell(f.title)} | \`${f.cause ?? ''}\` |`);
    out.push('');
  }
  for (const rb of plan.runbooks) {
    out.push(`## Runbook \`${rb.id}\` — ${rb.title} (${rb.status})`, '');
    out.push(rb.triggeredBy.length ? `Because: ${rb.triggeredBy.map((t) => `${t.title} (\`${t.cause}\`)`).join('; ')}.` : 'Requested with `--runbook`.', '');
    if (rb.blockedReason) out.push(`> **Blocked:** ${rb.blockedReason}`, '');
    if (rb.preconditions.length) {
      out.push('| precondition | check | result |', '|---|---|---|');
      for (const c of rb.preconditions) out.push(`| ${cell(c.name)} | \`${cell(c.description)}\` | ${mark(c)} ${cell(c.evidence.join(', '))} |`);
      out.push('');
    }
    out.push('| # | step | module | risk | status |', '|---|---|---|---|---|');
    for (const s of rb.steps) out.push(`| ${s.seq} | ${cell(s.name)} | \`${s.module}\` | ${s.risk} | ${s.status}${s.reason ? `: ${cell(s.reason)}` : ''} |`);
    out.push('');
    for (const s of rb.steps.filter((x) => x.change)) {
      out.push(`**Step ${s.seq} — ${s.name}** (${s.risk} risk)`, '', '```diff', ...(s.change?.diff ?? []), '```', '', `Undo: ${s.undo}.`, '');
    }
    if (rb.verify.length) {
      out.push('Verified afterwards:', '');
      for (const c of rb.verify) out.push(`- ${c.name} — \`${c.description}\``);
      out.push('');
    }
  }
  if (plan.runbooks.length === 0) out.push(problems.length ? 'No runbook fixes what was found: it needs a human.' : 'Nothing to do: no problem found.', '');
  out.push('_Nothing has been changed. Apply with `postfix-fix apply PLAN.json` (refuses if the host drifted)._', '');
  return out.join('\n');
}
