// The firewall from the client's side (--from): the loaded rules walked with that client's
// address as the source, on the interface it arrives by, for each port asked about. A refusal is
// named with whose rule it is: fail2ban's ban (the fail2ban check names the jail and the expiry),
// another tool's ban list (CrowdSec, sshguard: their own command lifts it, a human decides), or
// a rule of the admin's that refuses this client but not every client. A port closed to everyone
// is the firewall check's finding, not this client's.

import { factFailed } from '../facts/gather.js';
import { ok, problem, unknown } from './finding.js';
import { byRule } from './fail2ban.js';
import type { Facts, FirewallClientVerdict } from '../facts/types.js';
import type { Finding, Probe } from './types.js';

const blocked = (v: { verdict: string }): boolean => v.verdict === 'drop' || v.verdict === 'reject';

export const clientFirewallProbe: Probe = {
  name: 'client_firewall',
  description: "the firewall rules, walked with the client's address",
  timeoutMs: 500,
  causes: ['firewall-tool-blocks-client', 'firewall-blocks-client'],
  async run(ctx) {
    const client = ctx.facts.client;
    if (!client || client.address === null) return [];
    const address = client.address;
    if (client.local) return [ok('client_firewall', `${address} is this host itself: it connects over loopback, where no rule from outside applies`, [])];
    const failed = factFailed(ctx.facts, 'firewall');
    const fw = ctx.facts.firewall;
    const verdicts = fw.clientVerdicts ?? [];
    if (verdicts.length === 0) {
      if (failed) return [unknown('client_firewall', 'could not read every firewall backend', [failed])];
      if (fw.active.length === 0 || client.family === 6) return [ok('client_firewall', `no ${client.family === 6 ? 'IPv6 ' : ''}firewall rules are loaded: nothing filters ${address}`, [])];
      return [unknown('client_firewall', `${fw.active.join(', ')} active; its verdict for ${address} is unknown`, [])];
    }
    const out: Finding[] = [];
    const via = client.bridge ? `${client.iface} (${client.bridge.kind} bridge ${client.bridge.subnet})` : (client.iface ?? 'an outside interface');
    const describe = (v: FirewallClientVerdict): string => `${v.backend}: ${v.port}/tcp from ${address} via ${v.iface} → ${v.verdict} (${v.detail})${v.owner ? ` — ${v.owner}'s rule` : ''}`;

    const banned = new Set((ctx.facts.fail2ban?.clientJails ?? []).map(String));
    // fail2ban's own bans are the fail2ban check's to name (jail, expiry); a fail2ban rule that
    // fail2ban does not know about (it is stopped, or the chain is left over) is named here.
    const toolHits = verdicts.flatMap((v) => v.toolRules.filter((r) => !(r.owner === 'fail2ban' && r.jail !== null && banned.has(r.jail))).map((r) => ({ v, r })));
    for (const owner of [...new Set(toolHits.map((h) => h.r.owner))]) {
      const hits = toolHits.filter((h) => h.r.owner === owner);
      const ports = [...new Set(hits.map((h) => h.v.port))];
      out.push(
        problem('fail', 'client_firewall', 'firewall-tool-blocks-client', byRule(hits.map((h) => ({ rule: `${h.v.backend}: ${h.r.detail} (${owner}'s ${h.r.chain})`, port: h.v.port })), address), {
          title: `${owner}'s rule refuses ${address} on port${ports.length === 1 ? '' : 's'} ${ports.join(', ')}`,
          human: toolSteps(owner, address, hits.map((h) => h.r.chain)),
        }),
      );
    }
    // Past the tools' ban lists: what the admin's own rules do with this client.
    const own = verdicts.filter((v) => blocked(v.without) && (v.without.owner === null || v.without.owner === 'ufw' || v.without.owner === 'firewalld'));
    const mine = own.filter((v) => !blocked({ verdict: v.stranger }));
    if (mine.length > 0) {
      const ports = [...new Set(mine.map((v) => v.port))];
      out.push(
        problem('fail', 'client_firewall', 'firewall-blocks-client', mine.map((v) => `${v.backend}: ${v.port}/tcp from ${address} via ${v.iface} → ${v.without.verdict} (${v.without.detail}); a stranger's connection is let in`), {
          title: `a firewall rule refuses ${address} on port${ports.length === 1 ? '' : 's'} ${ports.join(', ')} (other clients get in)`,
          human: ownRuleSteps(mine[0] as FirewallClientVerdict, address),
        }),
      );
    }
    const everyone = own.filter((v) => blocked({ verdict: v.stranger }));
    const unknowns = verdicts.filter((v) => v.verdict === 'unknown' || (v.toolRules.length > 0 && v.without.verdict === 'unknown'));
    if (unknowns.length > 0) out.push(unknown('client_firewall', `cannot tell whether the firewall lets ${address} in on port ${[...new Set(unknowns.map((v) => v.port))].join(', ')}`, unknowns.map(describe)));
    // "Lets it through" only when nothing refuses it: a fail2ban ban the fail2ban check names is a refusal too.
    if (verdicts.every((v) => v.verdict === 'allow')) out.push(ok('client_firewall', `the firewall lets ${address} reach port ${client.ports.join(', ')} (via ${via})`, verdicts.map(describe)));
    else if (everyone.length > 0) out.push(ok('client_firewall', `port ${[...new Set(everyone.map((v) => v.port))].join(', ')} is closed to every client, ${address} included (the firewall check names the rule)`, everyone.map(describe)));
    return out;
  },
};

/** The admin's own rule for this client: where to find it, in the words of the tool that keeps it. */
function ownRuleSteps(v: FirewallClientVerdict, address: string): { reason: string; steps: string[] } {
  const reason = 'a rule that names this client (or its network) was written by someone on purpose, most likely';
  const zone = /filter_IN_([A-Za-z0-9_-]+)/.exec(v.without.detail)?.[1];
  if (v.without.owner === 'firewalld' && zone) {
    return { reason: `firewalld puts ${address} in its zone ${zone} (a zone bound to the client's source address or interface)`, steps: [`firewall-cmd --get-zone-of-source=${address}; firewall-cmd --get-active-zones`, `If it should not be there: firewall-cmd --zone=${zone} --remove-source=SOURCE (and --permanent), or allow the port in that zone`] };
  }
  if (v.without.owner === 'ufw') return { reason, steps: ['ufw status numbered', `ufw delete NUMBER (the rule that names ${address} or its network), if it should go`] };
  return { reason, steps: [`Find it: ${v.without.detail}`, 'If the client should be let in, remove or narrow that rule where it is kept (your nftables.conf, iptables rules file, or the tool that wrote it)'] };
}

function toolSteps(owner: string, address: string, chains: string[]): { reason: string; steps: string[] } {
  const reason = `${owner} keeps this rule in its own ${chains[0] ?? 'chain'}: lifting it is ${owner}'s to do, and whether this client deserves it is a human's decision`;
  switch (owner) {
    case 'crowdsec':
      return { reason, steps: [`cscli decisions list --ip ${address}`, `cscli decisions delete --ip ${address}`, `to keep it from coming back: a whitelist (cscli parsers install crowdsecurity/whitelists, or /etc/crowdsec/parsers/s02-enrich/ with ${address})`] };
    case 'sshguard':
      return { reason, steps: [`add ${address} to sshguard's whitelist (WHITELIST_FILE in /etc/sshguard/sshguard.conf, or -w ${address})`, 'restart sshguard: it flushes its block list when it starts'] };
    case 'fail2ban':
      return { reason: `fail2ban's chain ${chains[0] ?? ''} refuses it, but fail2ban does not list the ban (fail2ban stopped, or chains left behind)`, steps: ['fail2ban-client status (is it running? which jails?)', `fail2ban-client unban ${address}`, 'if fail2ban is gone for good: systemctl restart fail2ban (its actionstop removes its chains), rather than deleting them by hand'] };
    default:
      return { reason, steps: [`the tool that owns ${chains[0] ?? 'the rule'}: its own command to lift a ban for ${address}`] };
  }
}

/** For other probes: does some rule refuse the client on `port` (whoever's it is)? */
export function clientRefusedOn(facts: Facts, port: number): boolean {
  return (facts.firewall.clientVerdicts ?? []).some((v) => v.port === port && blocked(v));
}
