// Which firewall backends are loaded, and would each let a stranger reach the SMTP ports? The
// verdicts come from walking the loaded rules (facts.firewall.verdicts): a connection from the
// host itself cannot tell, because most rulesets accept everything on lo first.

import { factFailed } from '../facts/gather.js';
import { ok, problem, unknown } from './finding.js';
import { offeredPorts } from './smtp-ports.js';
import type { FirewallBackend } from '../core/profile.js';
import type { FirewallPortVerdict } from '../facts/types.js';
import type { Finding, Probe } from './types.js';

export const firewallProbe: Probe = {
  name: 'firewall',
  description: 'firewall backends and whether they allow 25/587',
  timeoutMs: 500,
  causes: ['firewall-blocks-smtp', 'firewall-mixed-backends'],
  async run(ctx) {
    const fw = ctx.facts.firewall;
    const failed = factFailed(ctx.facts, 'firewall');
    const out: Finding[] = [];
    if (fw.mixedIptables) {
      out.push(
        problem('warn', 'firewall', 'firewall-mixed-backends', ['iptables-legacy-save and iptables-nft-save both show rules', 'the kernel applies both sets; `iptables -L` shows only one of them'], {
          human: {
            reason: 'which set of rules is the intended one is a decision about this host, not something to guess',
            steps: [
              'Compare: iptables-legacy-save; iptables-nft-save; nft list ruleset',
              'Keep one backend (Debian 10+, RHEL 8+: nft): re-create the rules you need there',
              'Flush the other: iptables-legacy -F && iptables-legacy -X (and the nat/mangle tables), or iptables-nft -F',
              'Point `iptables` at the one you keep: update-alternatives --set iptables /usr/sbin/iptables-nft',
              'Make sure nothing reloads the old rules at boot (netfilter-persistent, iptables.service, a script)',
            ],
          },
        }),
      );
    }
    if (fw.active.length === 0) {
      const note = failed ? [`partly unknown: ${failed}`] : [];
      const installed = fw.installed.length > 0 ? `installed but not loaded: ${fw.installed.join(', ')}` : 'no firewall tools installed';
      out.push(failed ? unknown('firewall', 'could not read every firewall backend', [installed, ...note]) : ok('firewall', 'no firewall rules are loaded', [installed]));
      return out;
    }
    const ports = offeredPorts(ctx.facts);
    for (const backend of fw.active) out.push(judgeBackend(backend, (fw.verdicts ?? []).filter((v) => v.backend === backend && ports.includes(v.port)), ports));
    if (failed) out.push(unknown('firewall', 'part of the firewall state could not be read', [failed]));
    return out;
  },
};

function judgeBackend(backend: FirewallBackend, verdicts: FirewallPortVerdict[], ports: number[]): Finding {
  const evidence = verdicts.map((v) => `${backend}: ${v.port}/tcp from outside via ${v.iface} → ${v.verdict} (${v.detail})`);
  if (verdicts.length === 0) return unknown('firewall', `${backend} is active; its verdict for ${ports.join('/')} is unknown`);
  const blocked = verdicts.filter((v) => v.verdict === 'drop' || v.verdict === 'reject');
  if (blocked.length > 0) {
    const blockedPorts = [...new Set(blocked.map((v) => v.port))];
    const how = blocked[0]?.verdict === 'drop' ? 'drops' : 'rejects';
    return problem('fail', 'firewall', 'firewall-blocks-smtp', evidence, { title: `${backend} ${how} port ${blockedPorts.join(' and ')}` });
  }
  if (verdicts.some((v) => v.verdict === 'unknown')) return unknown('firewall', `${backend} is active; cannot tell whether it allows ${ports.join('/')}`, evidence);
  return ok('firewall', `${backend} allows ${ports.join('/')}`, evidence);
}
