// Causes that explain each other. Postfix "not running" because another program holds port 25
// (or the lock on master.pid) is one problem, not two: starting Postfix cannot work while the
// root is there, and the runbook that removes the root starts Postfix itself. So the consequence
// is linked to its root (`explainedBy`): diagnose shows the chain, offers no runbook (and no
// advice of its own) for the consequence, and the exit code and the plan follow the root alone.

import type { Finding } from './types.js';

interface Chain {
  /** Roots, most specific first: the first one found explains the consequence. */
  roots: readonly string[];
  consequence: string;
  /** What the root does, for the consequence's evidence. */
  why: Readonly<Record<string, string>>;
}

const CHAINS: readonly Chain[] = [
  {
    roots: ['port-held-by-unknown', 'port-held-by-mta', 'master-pid-locked'],
    consequence: 'postfix-stopped',
    why: {
      'port-held-by-unknown': 'Postfix cannot start while another program holds port 25',
      'port-held-by-mta': 'Postfix cannot start while another MTA holds port 25',
      'master-pid-locked': 'Postfix cannot start while another process holds the lock on master.pid',
    },
  },
  {
    // Whatever answers on a port another program holds, it is not Postfix refusing the mail.
    roots: ['port-held-by-unknown', 'port-held-by-mta'],
    consequence: 'mail-refused',
    why: {
      'port-held-by-unknown': 'the mail was refused by the program that holds port 25, not by Postfix',
      'port-held-by-mta': 'the mail was refused by the other MTA that holds port 25, not by Postfix',
    },
  },
  {
    // Seen from another address, the same dying smtpd is only "no greeting".
    roots: ['smtpd-dies-at-startup'],
    consequence: 'smtp-no-banner',
    why: { 'smtpd-dies-at-startup': 'every smtpd dies before its banner, whoever connects' },
  },
];

export function linkCauses(findings: readonly Finding[]): Finding[] {
  let out = [...findings];
  for (const chain of CHAINS) {
    const root = chain.roots.map((c) => out.find((f) => f.status === 'fail' && f.cause === c)).find((f) => f !== undefined);
    if (!root?.cause) continue;
    const cause = root.cause;
    out = out.map((f) => {
      if (f.status !== 'fail' || f.cause !== chain.consequence || f.explainedBy) return f;
      // Its own advice is for a cause it does not have here: the root's is what to act on.
      const { human: _advice, ...rest } = f;
      return { ...rest, explainedBy: cause, fixedBy: [], evidence: [`because: ${root.title} (${cause}) — ${chain.why[cause] ?? ''}`, ...f.evidence] };
    });
  }
  return out;
}
