// The packet every firewall evaluator judges: a new TCP connection from a stranger somewhere on the
// internet to one of our ports, arriving on one of our interfaces. "Would it get in?" is the
// question diagnose asks of each backend.

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
  /** The interface's own IPv4 addresses: the packet is addressed to one of them. */
  dstAddrs: string[];
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
