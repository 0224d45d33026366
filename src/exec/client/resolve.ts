// Where a client's connection to TARGET goes. An address is dialled as is. A name is looked up
// the way senders do for port 25 (its MX hosts, by preference; with no MX, the name itself,
// RFC 5321 §5.1) and the way applications do for the other ports (the name's own A/AAAA: a mail
// client configured with smtp.example.com connects there, whatever MX says). /etc/hosts counts
// before DNS, as it does for the C library. Every DNS question is asked once, with a hard time
// limit (c-ares, cancellable): a resolver that never answers costs its share of --timeout.

import { isIP } from 'node:net';
import { hostsFileAddresses, readHostsFile } from './hosts-file.js';

export type DnsStatus = 'ok' | 'nxdomain' | 'nodata' | 'servfail' | 'timeout' | 'error';

export interface MxRecord {
  preference: number;
  host: string;
}

export interface ResolvedName {
  name: string;
  /** The MX preference, for an MX host. */
  preference?: number;
  addresses: string[];
  /** Where the addresses came from. */
  source: 'dns' | 'hosts-file' | 'none';
  status: DnsStatus;
  detail: string;
}

export interface Resolution {
  target: string;
  kind: 'address' | 'name';
  /** null for an address. */
  mx: { status: DnsStatus; detail: string; records: MxRecord[]; nullMx: boolean } | null;
  /** The target's own addresses; for an address, itself. */
  self: ResolvedName;
  /** The MX hosts, by preference, with their addresses. */
  mxHosts: ResolvedName[];
  ms: number;
}

export interface DialTarget {
  address: string;
  port: number;
  /** The name whose address this is (an MX host, the target); null when TARGET is an address. */
  host: string | null;
  via: 'address' | 'mx' | 'name';
  /** SNI and certificate name check: the host name, never an address. */
  servername?: string;
}

export interface Unresolved {
  port: number;
  /** Why there is nothing to dial for that port, in words. */
  reason: string;
}

export interface ResolveOptions {
  deadline: number;
  /** Nameservers (`127.0.0.1:5353`); default: the system's (resolv.conf). */
  servers?: string[];
  /** Default /etc/hosts. */
  hostsFile?: string;
}

/** More MX hosts than this are not dialled (a big provider lists 5; 10 is generous). */
export const MAX_MX_HOSTS = 10;
/** Addresses dialled per name (per family, A and AAAA). */
export const MAX_ADDRESSES_PER_NAME = 4;

/** An address literal (`192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`), or null. */
export function addressLiteral(target: string): string | null {
  const bare = target.startsWith('[') && target.endsWith(']') ? target.slice(1, -1) : target;
  return isIP(bare) ? bare : null;
}

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/** A syntactically possible host or domain name (letters, digits, hyphens; dots between labels). */
export function isHostName(target: string): boolean {
  const name = target.replace(/\.$/, '');
  return name.length > 0 && name.length <= 253 && name.split('.').every((l) => LABEL.test(l)) && !/^\d+$/.test(name.split('.').at(-1) ?? '');
}

export async function resolveTarget(target: string, options: ResolveOptions): Promise<Resolution> {
  const started = Date.now();
  const literal = addressLiteral(target);
  if (literal) {
    return { target, kind: 'address', mx: null, self: { name: literal, addresses: [literal], source: 'none', status: 'ok', detail: 'an address' }, mxHosts: [], ms: 0 };
  }
  const name = target.replace(/\.$/, '').toLowerCase();
  // Loaded only for a name: an address needs no resolver.
  const { Resolver } = await import('node:dns/promises');
  const ask = asker(Resolver, options);
  const hostsText = await readHostsFile(options.hostsFile);
  const [mx, self] = await Promise.all([ask.mx(name), addressesOf(ask, name, hostsText)]);
  let mxHosts: ResolvedName[] = [];
  if (mx.status === 'ok' && !mx.nullMx) {
    mxHosts = await Promise.all(
      mx.records.slice(0, MAX_MX_HOSTS).map(async (r) => {
        const own = addressLiteral(r.host);
        // An address where a name belongs (RFC 5321 forbids it; some zones have it anyway).
        if (own) return { name: r.host, preference: r.preference, addresses: [own], source: 'dns' as const, status: 'ok' as const, detail: 'the MX record names an address, not a host' };
        return { ...(await addressesOf(ask, r.host, hostsText)), preference: r.preference };
      }),
    );
  }
  ask.close();
  return { target, kind: 'name', mx, self, mxHosts, ms: Date.now() - started };
}

/** Per port, what to dial: port 25 goes to the MX hosts (else the name), other ports to the name (else its MX hosts). */
export function dialTargets(res: Resolution, ports: readonly number[]): { targets: DialTarget[]; unresolved: Unresolved[] } {
  const targets: DialTarget[] = [];
  const unresolved: Unresolved[] = [];
  const fromName = (n: ResolvedName, port: number, via: DialTarget['via']): DialTarget[] =>
    n.addresses.map((address) => ({ address, port, host: res.kind === 'address' ? null : n.name, via, ...(res.kind === 'name' && !addressLiteral(n.name) ? { servername: n.name } : {}) }));
  for (const port of ports) {
    if (res.kind === 'address') {
      targets.push(...fromName(res.self, port, 'address'));
      continue;
    }
    const mxTargets = res.mxHosts.flatMap((h) => fromName(h, port, 'mx'));
    const selfTargets = fromName(res.self, port, 'name');
    const order = port === 25 ? [mxTargets, res.mx?.status === 'ok' ? [] : selfTargets] : [selfTargets, selfTargets.length === 0 ? mxTargets : []];
    const chosen = order.flat();
    if (chosen.length > 0) targets.push(...chosen);
    else unresolved.push({ port, reason: whyNothing(res, port) });
  }
  return { targets, unresolved };
}

function whyNothing(res: Resolution, port: number): string {
  const mx = res.mx;
  const target = res.target;
  if (mx?.nullMx) return `${target} publishes a null MX ("MX 0 ."): it says it accepts no mail (RFC 7505)`;
  if (port === 25 && mx?.status === 'ok') return `${target}'s MX hosts (${mx.records.map((r) => r.host).join(', ')}) have no address: ${res.mxHosts.map((h) => `${h.name}: ${h.detail}`).join('; ')}`;
  if (mx?.status === 'nxdomain' || res.self.status === 'nxdomain') return `${target} does not exist in DNS (NXDOMAIN)`;
  if (mx?.status === 'timeout' || res.self.status === 'timeout') return `the DNS resolver did not answer for ${target} in time (${res.self.detail})`;
  return `${target} has no MX and no A/AAAA record (${[mx ? `MX: ${mx.detail}` : '', `A/AAAA: ${res.self.detail}`].filter(Boolean).join('; ')})`;
}

interface Asker {
  mx(name: string): Promise<NonNullable<Resolution['mx']>>;
  addresses(name: string, family: 4 | 6): Promise<{ status: DnsStatus; records: string[]; detail: string }>;
  close(): void;
}

type ResolverClass = typeof import('node:dns/promises').Resolver;

function asker(Resolver: ResolverClass, options: ResolveOptions): Asker {
  const left = (): number => Math.max(50, options.deadline - Date.now());
  const resolvers: InstanceType<ResolverClass>[] = [];
  const timers: NodeJS.Timeout[] = [];
  // One resolver per question: cancel() ends every question of a resolver at once.
  const fresh = (): InstanceType<ResolverClass> => {
    const r = new Resolver({ timeout: Math.max(50, left() - 20), tries: 1 });
    if (options.servers) r.setServers(options.servers);
    resolvers.push(r);
    timers.push(setTimeout(() => r.cancel(), left()));
    return r;
  };
  return {
    async mx(name) {
      try {
        const mx = (await fresh().resolveMx(name)).sort((a, b) => a.priority - b.priority);
        const records = mx.map((m) => ({ preference: m.priority, host: m.exchange.replace(/\.$/, '').toLowerCase() }));
        const nullMx = records.length === 1 && records[0]?.host === '';
        return { status: records.length > 0 ? 'ok' : 'nodata', detail: nullMx ? 'null MX (MX 0 .)' : `${records.length} MX record(s)`, records: nullMx ? [] : records, nullMx };
      } catch (e) {
        return { ...failure(e, 'MX', options), records: [], nullMx: false };
      }
    },
    async addresses(name, family) {
      const type = family === 4 ? 'A' : 'AAAA';
      try {
        const r = fresh();
        const records = family === 4 ? await r.resolve4(name) : await r.resolve6(name);
        return { status: records.length > 0 ? 'ok' : 'nodata', records, detail: `${records.length} ${type} record(s)` };
      } catch (e) {
        return { ...failure(e, type, options), records: [] };
      }
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const r of resolvers) r.cancel();
    },
  };
}

async function addressesOf(ask: Asker, name: string, hostsText: string): Promise<ResolvedName> {
  const pinned = hostsFileAddresses(hostsText, name);
  if (pinned.length > 0) return { name, addresses: pinned.slice(0, 2 * MAX_ADDRESSES_PER_NAME), source: 'hosts-file', status: 'ok', detail: `${pinned.length} address(es) in /etc/hosts` };
  const [v4, v6] = await Promise.all([ask.addresses(name, 4), ask.addresses(name, 6)]);
  const addresses = [...v4.records.slice(0, MAX_ADDRESSES_PER_NAME), ...v6.records.slice(0, MAX_ADDRESSES_PER_NAME)];
  if (addresses.length > 0) return { name, addresses, source: 'dns', status: 'ok', detail: [v4.detail, v6.detail].join(', ') };
  // The more telling failure of the two: a missing name, then a silent resolver.
  const worst = [v4, v6].find((a) => a.status === 'nxdomain') ?? [v4, v6].find((a) => a.status === 'timeout') ?? [v4, v6].find((a) => a.status !== 'nodata') ?? v4;
  return { name, addresses: [], source: 'none', status: worst.status === 'ok' ? 'nodata' : worst.status, detail: worst.status === 'nodata' ? 'no A or AAAA record' : worst.detail };
}

function failure(e: unknown, type: string, options: ResolveOptions): { status: DnsStatus; detail: string } {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOTFOUND') return { status: 'nxdomain', detail: 'NXDOMAIN: the name does not exist' };
  if (code === 'ENODATA') return { status: 'nodata', detail: `no ${type} record` };
  if (code === 'ETIMEOUT' || code === 'ECANCELLED' || code === 'ECONNREFUSED') return { status: 'timeout', detail: `no answer from ${(options.servers ?? ['the resolver']).join(', ')} (${code})` };
  if (code === 'ESERVFAIL') return { status: 'servfail', detail: 'SERVFAIL' };
  return { status: 'error', detail: code || (e as Error).message };
}
