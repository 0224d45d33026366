// What inet_interfaces asks Postfix to bind, against what the host has and what the running
// master really binds. Postfix reads inet_interfaces and inet_protocols only when the master
// starts (a reload logs "ignoring inet_interfaces change"), so a master can listen on addresses
// main.cf no longer names; and an address the host lost stops Postfix at start ("no local
// interface found for …"). Shared by diagnose, the runbooks' facts and the restart module.

import { isLoopbackIp, parseIp } from './cidr.js';
import type { Facts } from './types.js';

/** Words inet_interfaces accepts that mean "this host only". */
export const LOOPBACK_WORDS: ReadonlySet<string> = new Set(['loopback-only', 'localhost']);

export function inetInterfaceTokens(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

/** `[::1]` → `::1`: inet_interfaces may bracket IPv6 literals. */
function literal(token: string): string {
  return token.replace(/^\[|\]$/g, '');
}

/** Every address on this host's interfaces. */
export function ownAddresses(facts: Pick<Facts, 'network'>): Set<string> {
  return new Set(facts.network.interfaces.flatMap((i) => i.addresses.map((a) => a.address)));
}

/**
 * inet_interfaces split against this host's addresses; nothing counts as missing when the
 * interfaces could not be read (an empty list is not "the host has no addresses").
 */
export function interfacesOf(facts: Pick<Facts, 'network' | 'postfix'>): InterfacesSplit {
  const value = facts.postfix.params.inet_interfaces ?? '';
  if (facts.network.interfaces.length === 0) {
    const kept = inetInterfaceTokens(value);
    return { kept, missing: [], keptBeyondLoopback: kept.some(beyondLoopback) };
  }
  return splitInetInterfaces(value, ownAddresses(facts));
}

export interface InterfacesSplit {
  /** The tokens the host still has, as written: words (all, loopback-only), names, its own addresses. */
  kept: string[];
  /** Address literals the host does not have. */
  missing: string[];
  /** Whether `kept` lets anyone but this host connect (all, a non-loopback address, a host name). */
  keptBeyondLoopback: boolean;
}

/** Split inet_interfaces into what this host has and the addresses it lost. */
export function splitInetInterfaces(value: string, ownAddresses: ReadonlySet<string>): InterfacesSplit {
  const kept: string[] = [];
  const missing: string[] = [];
  for (const t of inetInterfaceTokens(value)) {
    const ip = parseIp(literal(t));
    if (!LOOPBACK_WORDS.has(t) && ip !== null && !ownAddresses.has(literal(t)) && !isLoopbackIp(literal(t))) missing.push(t);
    else kept.push(t);
  }
  return { kept, missing, keptBeyondLoopback: kept.some(beyondLoopback) };
}

/** Does this token let anyone but this host connect (all, a non-loopback address, a host name)? */
function beyondLoopback(t: string): boolean {
  return !LOOPBACK_WORDS.has(t) && !(parseIp(literal(t)) !== null && isLoopbackIp(literal(t)));
}

export type IpFamily = 4 | 6;

/** The families inet_protocols turns on, given whether this host has IPv6 at all. */
export function protocolFamilies(inetProtocols: string, ipv6Available: boolean): IpFamily[] {
  const t = inetInterfaceTokens(inetProtocols.toLowerCase());
  const v4 = t.includes('all') || t.includes('ipv4');
  // With `all` on a host without IPv6, Postfix 3.x carries on in IPv4 (with a warning).
  const v6 = (t.includes('all') || t.includes('ipv6')) && ipv6Available;
  return [...(v4 ? [4 as const] : []), ...(v6 ? [6 as const] : [])];
}

/**
 * The addresses the master binds for an inet service without an address of its own, as `ss`
 * prints them (`0.0.0.0`, `::`, `127.0.0.1`), when it starts with these settings. null when a
 * token is a host name: what it resolves to at start is not ours to guess.
 */
export function expectedBindAddresses(inetInterfaces: string, inetProtocols: string, ipv6Available: boolean): string[] | null {
  const families = protocolFamilies(inetProtocols, ipv6Available);
  const out = new Set<string>();
  const tokens = inetInterfaceTokens(inetInterfaces);
  for (const t of tokens.length === 0 ? ['all'] : tokens) {
    if (t === 'all') {
      if (families.includes(4)) out.add('0.0.0.0');
      if (families.includes(6)) out.add('::');
    } else if (LOOPBACK_WORDS.has(t)) {
      if (families.includes(4)) out.add('127.0.0.1');
      if (families.includes(6)) out.add('::1');
    } else {
      const ip = parseIp(literal(t));
      if (ip === null) return null;
      if (families.includes(ip.family)) out.add(literal(t).toLowerCase());
    }
  }
  return [...out].sort();
}

export interface BindingDrift {
  /** Bound now, but not what main.cf asks for. */
  stale: string[];
  /** Asked for, but not bound. */
  missing: string[];
}

/** Compare what a master binds on a port with what main.cf asks for (`*` is both wildcards). */
export function bindingDrift(expected: readonly string[], bound: readonly string[]): BindingDrift {
  const have = new Set(bound.flatMap((a) => (a === '*' ? ['0.0.0.0', '::'] : [a.toLowerCase()])));
  const want = new Set(expected);
  return { stale: [...have].filter((a) => !want.has(a)).sort(), missing: [...want].filter((a) => !have.has(a)).sort() };
}

/** `0.0.0.0:25`, `[::]:25`. */
export function formatBinding(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
