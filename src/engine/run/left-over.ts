// What is left for a person after a converging run, from where the host stands at its end (not
// from what diagnose found before it): runbooks declined or blocked, causes no runbook fixes,
// causes a runbook would fix but this run did not run, and — when the end-to-end proof failed —
// the layer that still keeps clients out. Each cause is said once, in the most useful words.

import { CAUSES } from '../../probes/causes.js';
import type { Finding } from '../../probes/types.js';
import type { Settled } from './converge.js';
import type { RunLedger } from './ledger.js';
import type { Proof } from './types.js';

export function leftOver(settled: Settled, ledger: RunLedger, proof: Proof | null): string[] {
  const out: string[] = [...ledger.declinedReasons(), ...settled.notes];
  const planned = settled.plan?.runbooks ?? [];
  const accounted = new Set<string>(planned.filter((rb) => ledger.declined(rb.id) !== undefined).map((rb) => rb.id));
  for (const rb of planned) {
    if (rb.status !== 'blocked' || accounted.has(rb.id)) continue;
    out.push(`${rb.id}: ${rb.blockedReason ?? 'blocked'}`);
    accounted.add(rb.id);
  }
  for (const w of settled.withheld) {
    if (accounted.has(w.runbook)) continue;
    out.push(`${w.runbook}: ${w.why}`);
    accounted.add(w.runbook);
  }
  for (const f of settled.findings) {
    if ((f.status !== 'fail' && f.status !== 'warn') || f.explainedBy) continue;
    if (f.fixedBy.length > 0 && f.fixedBy.some((id) => accounted.has(id))) continue;
    if (f.human) out.push(`${f.title}: ${f.human.reason}`);
    else if (f.status === 'fail') out.push(f.fixedBy.length === 0 ? f.title : `still found after the run: ${f.title}`);
  }
  if (proof && !proof.ok) out.push(proofLine(proof));
  return [...new Set(out)];
}

/** The end-to-end proof failed: which of its checks, and the layer a fresh diagnosis blames. */
export function proofLine(proof: Proof): string {
  const failed = proof.checks.filter((c) => c.ok === false).map((c) => c.name);
  const top: Finding | undefined = proof.blocking[0];
  const layer = top?.cause ? CAUSES[top.cause]?.layer : undefined;
  const blame = top ? `the ${layer ?? 'next'} layer still blocks: ${top.title}${top.cause ? ` (${top.cause})` : ''}` : 'diagnose finds no cause for it';
  return `clients are still refused (end-to-end: ${failed.join('; ')}): ${blame}`;
}
