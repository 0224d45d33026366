// The same walks as for "any stranger", for the one client a person named (--from): its address
// as the packet's source, arriving on the interface the kernel routes it by. A ban list then
// matches it, and the trace says whose rule that was. Rules of other tools (fail2ban, CrowdSec,
// sshguard) are then set aside one at a time and the walk repeated, so the verdict also says
// what lifting their bans would leave: another tool's ban, the admin's own rule, or nothing.

import type { FirewallBackend } from '../../core/profile.js';
import type { FirewallClientVerdict } from '../types.js';
import type { IptablesSave } from './iptables-save.js';
import type { NftRuleset } from './nft-json.js';
import type { PacketModel, RuleOwner, Trace } from './packet.js';

/** Owners whose rules are theirs to lift (a ban list), not the admin's policy. */
const TOOLS: ReadonlySet<RuleOwner> = new Set(['fail2ban', 'crowdsec', 'sshguard']);
const MAX_TOOL_RULES = 6;

export interface ClientWalk {
  /** Walk the ruleset for a packet: the verdict, where it was decided and by whose rule. */
  trace(packet: PacketModel): Trace;
  /** The same walker over the ruleset without the rule at `at`. */
  without(at: { chain: string; rule: number }): ClientWalk;
}

export function iptablesWalk(save: IptablesSave, trace: (s: IptablesSave, p: PacketModel) => Trace): ClientWalk {
  return {
    trace: (p) => trace(save, p),
    without(at) {
      const tables = new Map(save.tables);
      const filter = save.tables.get('filter');
      if (filter) {
        const chains = new Map(filter.chains);
        const chain = chains.get(at.chain);
        if (chain) chains.set(at.chain, { ...chain, rules: chain.rules.filter((_, i) => i !== at.rule) });
        tables.set('filter', { ...filter, chains });
      }
      return iptablesWalk({ ...save, tables }, trace);
    },
  };
}

export function nftWalk(rs: NftRuleset, trace: (r: NftRuleset, p: PacketModel) => Trace): ClientWalk {
  return {
    trace: (p) => trace(rs, p),
    without(at) {
      const chains = new Map(rs.chains);
      const chain = chains.get(at.chain);
      if (chain) chains.set(at.chain, { ...chain, rules: chain.rules.filter((_, i) => i !== at.rule) });
      return nftWalk({ ...rs, chains }, trace);
    },
  };
}

const blocks = (t: Trace): boolean => t.verdict === 'drop' || t.verdict === 'reject';

/** The fail2ban jail a deciding rule belongs to: its chain `f2b-JAIL`, or its nft set `addr-set-JAIL`. */
export function jailOf(t: Pick<Trace, 'owner' | 'at' | 'detail'>): string | null {
  if (t.owner !== 'fail2ban') return null;
  const chain = t.at?.chain ?? '';
  const ipt = /^f2b-(.+)$/.exec(chain);
  if (ipt) return ipt[1] as string;
  const set = /@addr6?-set-([A-Za-z0-9_.-]+)/.exec(t.detail);
  return set ? (set[1] as string) : null;
}

export function judgeClient(backend: FirewallBackend, walk: ClientWalk, packet: PacketModel & { src: string }): FirewallClientVerdict {
  const first = walk.trace(packet);
  const { src: _src, ...stranger } = packet;
  // The stranger's packet keeps the client's family: "would an IPv6 stranger get in?".
  const toolRules: FirewallClientVerdict['toolRules'] = [];
  let w = walk;
  let t = first;
  while (blocks(t) && TOOLS.has(t.owner) && t.at?.rule !== null && t.at !== null && toolRules.length < MAX_TOOL_RULES) {
    toolRules.push({ owner: t.owner as 'fail2ban' | 'crowdsec' | 'sshguard', detail: t.detail, chain: t.at.chain, jail: jailOf(t) });
    w = w.without({ chain: t.at.chain, rule: t.at.rule });
    t = w.trace(packet);
  }
  return {
    backend,
    port: packet.dport,
    iface: packet.iface,
    verdict: first.verdict,
    detail: first.detail,
    src: packet.src,
    owner: first.owner,
    at: first.at,
    stranger: walk.trace(stranger).verdict,
    toolRules,
    without: { verdict: t.verdict, detail: t.detail, owner: t.owner },
  };
}
