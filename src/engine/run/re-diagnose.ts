// After a run that changed something: which of the problems diagnose found before are still
// there. Causes a runbook's own `gone` check just proved absent are not probed twice; the others
// are re-probed (only their probes, not a whole diagnose) against a fresh look at the host.

import type { Finding } from '../../probes/types.js';
import type { Facts } from '../../facts/types.js';
import type { CauseProbe } from '../checks.js';
import type { Verification } from './types.js';

export async function stillFound(findings: readonly Finding[], verifications: readonly Verification[], causeProbe: CauseProbe | undefined, refreshFacts: () => Promise<Facts>): Promise<Finding[]> {
  if (!causeProbe) return [];
  const verifiedGone = new Set(verifications.filter((v) => v.kind === 'gone' && v.ok === true).map((v) => v.cause));
  const byCause = new Map<string, Finding>();
  for (const f of findings) if (f.status === 'fail' && f.cause && !verifiedGone.has(f.cause) && !byCause.has(f.cause)) byCause.set(f.cause, f);
  if (byCause.size === 0) return [];
  const facts = await refreshFacts();
  const checked = await Promise.all([...byCause.values()].map(async (f) => ({ f, r: await causeProbe(f.cause as string, facts) })));
  return checked.filter(({ r }) => r.found).map(({ f, r }) => ({ ...f, evidence: r.evidence }));
}
