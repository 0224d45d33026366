// The end of a run, for a person: what changed, what was verified, what was rolled back, what is
// left for a human — short enough to paste into a ticket.

import type { RunReport } from './run-report.js';

const HEADLINE: Record<RunReport['status'], string> = {
  'nothing-to-do': 'Nothing to do: the host is healthy (as far as the runbooks go).',
  changed: 'Fixed: changes applied and verified.',
  'needs-human': 'Not everything could be fixed automatically: a human is needed.',
  'failed-rolled-back': 'FAILED: a step failed; everything this run applied was rolled back.',
  'rollback-incomplete': 'FAILED, AND ROLLBACK WAS INCOMPLETE: the host may be partly changed. Read below, then run `postfix-fix rollback --last`.',
  aborted: 'Aborted: everything this run applied was rolled back.',
  interrupted: 'Interrupted: everything this run applied was rolled back.',
  refused: 'Refused: nothing was changed.',
};

export function renderRunText(r: RunReport): string {
  // Changed, yet something is left: what was fixed stays fixed, and the headline must not say "Fixed".
  const partly = r.status === 'changed' && r.needsHuman.length > 0;
  const out = [partly ? 'Partly fixed: what was changed is verified and kept; what remains needs a human (below).' : HEADLINE[r.status]];
  const changed = r.steps.filter((s) => s.status === 'changed' || s.status === 'rolled-back');
  for (const s of changed) out.push(`  ${s.status === 'rolled-back' ? '↺' : '✓'} step ${s.seq} ${s.name} [${s.runbook}]${s.status === 'rolled-back' ? ' (rolled back)' : ''}`);
  for (const s of r.steps.filter((x) => x.status === 'skipped' && x.reason && !/when:|runbook blocked/.test(x.reason))) out.push(`  - step ${s.seq} ${s.name}: skipped (${s.reason})`);
  for (const s of r.steps.filter((x) => x.status === 'failed')) out.push(`  ✗ step ${s.seq} ${s.name}: ${s.reason ?? 'failed'}`, ...s.evidence.map((e) => `      ${e}`));
  if (r.verifications.length) {
    out.push('Verified:');
    for (const v of r.verifications) out.push(`  ${v.ok === false ? '✗' : v.ok === null ? '?' : '✓'} ${v.name}${v.evidence.length ? ` — ${v.evidence.join('; ')}` : ''}`);
  }
  const rounds = r.rounds ?? [];
  if (rounds.length > 1) {
    out.push('Rounds (diagnosed again after each):');
    for (const x of rounds) out.push(`  ${x.round}. ${x.runbooks.join(', ') || '(nothing to run)'}${x.causes.length ? ` — for ${x.causes.join(', ')}` : ''}`);
  }
  if (r.proof) {
    out.push(`End to end: ${r.proof.ok ? 'proven' : 'NOT proven'}`);
    for (const c of r.proof.checks) out.push(`  ${c.ok === false ? '✗' : c.ok === null ? '?' : '✓'} ${c.name}${c.ok === false && c.evidence.length ? ` — ${c.evidence.slice(0, 4).join('; ')}` : ''}`);
  }
  if (r.error) out.push(`Error: ${r.error.message}`, ...r.error.evidence.slice(0, 20).map((e) => `  ${e}`));
  if (r.rollback?.length) {
    out.push('Rollback:');
    for (const u of r.rollback) out.push(`  ${u.ok ? '↺' : '✗'} step ${u.seq} ${u.name}${u.error ? ` — ${u.error}` : ''}`, ...u.evidence.map((e) => `      ${e}`));
  }
  if (r.needsHuman.length) {
    out.push('Needs a human:');
    for (const n of r.needsHuman) out.push(`  - ${n}`);
  }
  if (r.runId) out.push(`Run ${r.runId}; journal ${r.journal}. Undo with: postfix-fix rollback ${r.runId}`);
  return out.join('\n') + '\n';
}
