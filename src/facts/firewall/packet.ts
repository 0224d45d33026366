// The packet every firewall evaluator judges: a new TCP connection from a stranger somewhere on the
// internet to one of our ports, arriving on one of our interfaces. "Would it get in?" is the
// question diagnose asks of each backend. Given a source address, the same walk answers for that
// one client instead (a ban list then matches it), and says whose rule refused it.

export type PortVerdict = 'allow' | 'drop' | 'reject' | 'unknown';

export interface Decision {
  verdict: PortVerdict;
  /** The rule or policy that decided, as the tool prints it. */
  detail: string;
}

export interface PacketModel {
  /** Incoming interface name (never `lo`: connections from the host itself prove nothing). */
  iface: string;
  dport: number;
  /** The interface's own addresses (of the packet's family): the packet is addressed to one of them. */
  dstAddrs: string[];
  /** IPv4 (the default) or IPv6: which tables and headers the packet meets. */
  family?: 4 | 6;
  /**
   * The client's address. Absent: any stranger, so a rule matching only some sources does not
   * decide; present: that client, so a ban of its address does.
   */
  src?: string;
}

/** Where a verdict was decided: a rule (0-based, in its chain) or the chain's policy (`rule` null). */
export interface DecidedAt {
  /** The chain as its evaluator names it: `INPUT`, `f2b-postfix`; nft: `family/table/chain`. */
  chain: string;
  rule: number | null;
}

/**
 * Who wrote the rule that decided, when a tool did: its chains are the tool's to change (ufw's, a
 * fail2ban ban list), never ours to insert into. null: the admin's own rules, or nothing decided.
 */
export type RuleOwner = 'ufw' | 'firewalld' | 'fail2ban' | 'crowdsec' | 'sshguard' | null;

/** A Decision with where it was made and by whose rule: what the ruleset simulator works from. */
export interface Trace extends Decision {
  at: DecidedAt | null;
  owner: RuleOwner;
}

/** Tools that keep their rules in iptables chains of their own, by chain name. */
export function iptablesChainOwner(chain: string): RuleOwner {
  if (chain.startsWith('ufw-') || chain.startsWith('ufw6-')) return 'ufw';
  if (chain.startsWith('f2b-') || chain.startsWith('fail2ban-')) return 'fail2ban';
  if (chain === 'CROWDSEC_CHAIN') return 'crowdsec';
  if (chain === 'sshguard') return 'sshguard';
  return null;
}

/** Tools that keep their rules in nftables tables of their own, by table name. */
export function nftTableOwner(table: string): RuleOwner {
  if (table === 'firewalld') return 'firewalld';
  if (table === 'f2b-table') return 'fail2ban';
  if (table === 'crowdsec' || table === 'crowdsec6') return 'crowdsec';
  if (table === 'sshguard') return 'sshguard';
  return null;
}

/** iptables (`eth+`) and nft (`eth*`) interface wildcards. */
export function ifaceMatches(pattern: string, iface: string): boolean {
  if (pattern.endsWith('+') || pattern.endsWith('*')) return iface.startsWith(pattern.slice(0, -1));
  return pattern === iface;
}

/** Three-valued match: a rule we cannot read must not be guessed either way. */
export type Tri = true | false | 'unknown';

export function triAnd(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return true;
}

export function triNot(a: Tri): Tri {
  return a === 'unknown' ? 'unknown' : !a;
}
