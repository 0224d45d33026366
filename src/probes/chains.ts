// Causes that explain each other. Postfix "not running" because another program holds port 25
// (or the lock on master.pid) is one problem, not two: starting Postfix cannot work while the
// root is there, and the runbook that removes the root starts Postfix itself. So the consequence
// is linked to its root (`explainedBy`): diagnose shows the chain, offers no runbook for the
// consequence, and the exit code and the plan follow the root alone.

import type { Finding } from './types.js';

/** Roots that keep Postfix from starting, most specific first. */
const KEEPS_POSTFIX_DOWN = ['port-held-by-unknown', 'port-held-by-mta', 'master-pid-locked'] as const;

/** What a root does to Postfix, for the consequence's evidence. */
const WHY: Readonly<Record<(typeof KEEPS_POSTFIX_DOWN)[number], string>> = {
  'port-held-by-unknown': 'Postfix cannot start while another program holds port 25',
  'port-held-by-mta': 'Postfix cannot start while another MTA holds port 25',
  'master-pid-locked': 'Postfix cannot start while another process holds the lock on master.pid',
};

export function linkCauses(findings: readonly Finding[]): Finding[] {
  const root = KEEPS_POSTFIX_DOWN.map((c) => findings.find((f) => f.status === 'fail' && f.cause === c)).find((f) => f !== undefined);
  if (!root?.cause) return [...findings];
  const cause = root.cause as (typeof KEEPS_POSTFIX_DOWN)[number];
  return findings.map((f) =>
    f.status === 'fail' && f.cause === 'postfix-stopped' && !f.explainedBy
      ? { ...f, explainedBy: cause, fixedBy: [], evidence: [`because: ${root.title} (${cause}) — ${WHY[cause]}`, ...f.evidence] }
      : f,
  );
}
