// Interface addresses: `ip -j addr` (iproute2's JSON), or /proc/net/if_inet6 when `ip` is missing.

import type { NetworkFacts } from './types.js';

export type Interface = NetworkFacts['interfaces'][number];

interface IpJsonLink {
  ifname?: unknown;
  flags?: unknown;
  link_type?: unknown;
  addr_info?: unknown;
}

export function parseIpAddrJson(text: string): Interface[] {
  const data: unknown = JSON.parse(text);
  if (!Array.isArray(data)) throw new Error('ip -j addr: expected a JSON array');
  const out: Interface[] = [];
  for (const item of data as Array<IpJsonLink | null>) {
    if (item === null || typeof item !== 'object' || typeof item.ifname !== 'string') continue;
    const flags = Array.isArray(item.flags) ? item.flags.filter((f): f is string => typeof f === 'string') : [];
    const addresses: Interface['addresses'] = [];
    for (const a of Array.isArray(item.addr_info) ? (item.addr_info as Array<Record<string, unknown> | null>) : []) {
      if (a === null || typeof a !== 'object' || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
      if (a.family !== 'inet' && a.family !== 'inet6') continue;
      addresses.push({ family: a.family === 'inet' ? 4 : 6, address: a.local, prefixLength: a.prefixlen });
    }
    out.push({ name: item.ifname, up: flags.includes('UP'), loopback: flags.includes('LOOPBACK') || item.link_type === 'loopback', addresses });
  }
  return out;
}

/** /proc/net/if_inet6: `ADDR(32 hex) IFINDEX PREFIXLEN(hex) SCOPE FLAGS NAME`. IPv6 only. */
export function parseIfInet6(text: string): Array<{ name: string; address: string; prefixLength: number }> {
  const out: Array<{ name: string; address: string; prefixLength: number }> = [];
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 6 || !/^[0-9a-f]{32}$/i.test(cols[0] as string)) continue;
    out.push({ name: cols[5] as string, address: compressIpv6(cols[0] as string), prefixLength: parseInt(cols[2] as string, 16) });
  }
  return out;
}

/** 32 hex digits → the canonical compressed text form (RFC 5952). */
export function compressIpv6(hex32: string): string {
  const groups = (hex32.toLowerCase().match(/.{4}/g) ?? []).map((g) => g.replace(/^0+(?=.)/, ''));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}
