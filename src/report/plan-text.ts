// A plan as a reviewer reads it in a terminal or pastes it into a ticket: plain text, no colour
// codes unless asked, every change with its exact lines.

import { symptomFlags } from '../core/client.js';
import type { Plan, PlannedCheck, PlannedRunbook, PlannedStep } from '../engine/plan-types.js';
import { layerOf, layerOrder } from '../engine/stacking.js';

/** Changes in the plan that no rollback can take back: the reviewer is told how many, and which (their undo line). */
export function irreversibleChanges(plan: Plan): number {
  return plan.runbooks.filter((r) => r.status === 'ready').flatMap((r) => r.steps).filter((s) => s.status === 'change' && !s.reversible).length;
}

const mark = (c: PlannedCheck): string => (c.ok === true ? '✓' : c.ok === false ? '✗' : '-');

function stepLines(s: PlannedStep): string[] {
  const head = `  step ${s.seq}  ${s.name}   risk ${s.risk}   [${s.status}]${s.reason ? ` ${s.reason}` : ''}`;
  if (s.status !== 'change' || !s.change) return [head];
  return [head, ...s.change.diff.map((l) => `      ${l}`), `      undo: ${s.undo}`, ...(s.change.temporary ? [temporaryLine(s.change.temporary)] : [])];
}

function runbookLines(rb: PlannedRunbook): string[] {
  const layer = layerOf(rb);
  const out = [`Runbook ${rb.id} — ${rb.title}   [${rb.status}]${layer ? `   layer: ${layer}` : ''}`];
  if (rb.triggeredBy.length) out.push(`  because: ${rb.triggeredBy.map((t) => `${t.title} (${t.cause})`).join('; ')}`);
  else out.push('  because: requested with --runbook');
  if (rb.blockedReason) out.push(`  BLOCKED: ${rb.blockedReason}`);
  const vars = Object.entries(rb.variables);
  if (vars.length) out.push(`  variables: ${vars.map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(' ')}`);
  if (rb.preconditions.length) {
    out.push('  preconditions:');
    for (const c of rb.preconditions) out.push(`    ${mark(c)} ${c.name} — ${c.description}${c.evidence.length ? ` (${c.evidence.join(', ')})` : ''}`);
  }
  for (const s of rb.steps) out.push(...stepLines(s));
  if (rb.verify.length) {
    out.push('  verify after applying:');
    for (const c of rb.verify) out.push(`    - ${c.name}: ${c.description}`);
  }
  return out;
}

export function renderPlanText(plan: Plan): string {
  const out = [
    `Plan for ${plan.host.hostname} (${plan.host.os}; profile ${plan.profile.id}; service manager ${plan.serviceManager})`,
    `Made ${plan.createdAt} by postfix-fix ${plan.tool.version} · fingerprint ${plan.fingerprint.digest.slice(0, 16)}`,
    '',
  ];
  const problems = plan.findings.filter((f) => f.status === 'fail' || f.status === 'warn');
  if (problems.length) {
    out.push('Diagnosis:');
    for (const f of problems) out.push(`  ${f.status === 'fail' ? '✗' : '!'} ${f.title}${f.cause ? ` (${f.cause})` : ''}`);
    out.push('');
  }
  if (plan.runbooks.length === 0) out.push(problems.length ? 'No runbook fixes what was found: it needs a human (see `postfix-fix diagnose`).' : 'Nothing to do: no problem found.');
  const ready = plan.runbooks.filter((rb) => rb.status === 'ready');
  if (ready.length > 1) out.push(`Order (lower layers first, each proven before the next): ${layerOrder(ready)}`, '');
  for (const rb of plan.runbooks) out.push(...runbookLines(rb), '');
  const s = plan.summary;
  const final = irreversibleChanges(plan);
  out.push(`Summary: ${s.changes} change${s.changes === 1 ? '' : 's'}${s.maxRisk ? ` (highest risk: ${s.maxRisk})` : ''}${final ? `; ${final} cannot be undone` : ''}${s.blocked.length ? `; blocked: ${s.blocked.join(', ')}` : ''}. Nothing has been changed.`);
  // The run must answer for the same client (--from, --port) for the same runbooks to be planned.
  const symptom = symptomFlags(plan.client).map((f) => ` ${f}`).join('');
  if (plan.stacking) out.push(`Later: ${plan.stacking}`);
  if (s.changes > 0) out.push(`To apply: postfix-fix run --interactive${symptom}   (or save with --out FILE, review, then: postfix-fix apply FILE)`);
  return out.join('\n') + '\n';
}

function temporaryLine(t: { seconds: number; reason: string; untilDeadline?: boolean }): string {
  if (t.untilDeadline) return `      temporary: stays in force after this run, undone after ${t.seconds} s by a deadline guard (${t.reason}), even if postfix-fix is not running; \`postfix-fix rollback --last\` undoes it sooner`;
  return `      temporary: undone after ${t.seconds} s at the latest (${t.reason}), even if postfix-fix dies`;
}
