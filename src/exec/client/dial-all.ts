// Dial every port on every address a client would reach, as that client: all at once, each
// under the one deadline. Then, only where something failed, what the client can still learn
// from outside: how a refused connection was refused (TCP reset or ICMP), and how the other mail
// ports of the same address answer (Postfix answering on 587 while 25 is reset says "a firewall",
// not "Postfix is down"). A healthy target costs one round of dials and nothing more.

import { isIP } from 'node:net';
import { dialSmtp } from '../dial.js';
import { procIcmpCounter } from './icmp.js';
import { routeTo } from './route.js';
import type { DialOptions, DialResult, Dialer } from '../../core/dial.js';
import type { IcmpCounter } from './icmp.js';
import type { DialTarget } from './resolve.js';
import type { Route } from './route.js';

/** The ports mail clients and servers use; the ones not asked about serve as context on failure. */
export const MAIL_PORTS: readonly number[] = [25, 465, 587];

/** Never DATA: the relay test stops after RCPT. Outside addresses the target cannot be final for. */
export const RELAY_TEST = { from: 'postfix-fix-probe@example.org', to: 'relay-test@example.net' } as const;

export type Refusal = 'reset' | 'icmp' | 'unknown';

export interface PortDial extends DialTarget {
  result: DialResult;
  /** For a refused connection: a TCP reset, or an ICMP port-unreachable (a firewall). */
  refusal?: Refusal;
}

export interface DialAllOptions {
  deadline: number;
  relayTest?: boolean;
  heloName?: string;
  dialer?: Dialer;
  icmp?: IcmpCounter;
  route?: (address: string) => Promise<Route>;
}

export interface DialAll {
  dials: PortDial[];
  /** Other mail ports of addresses where an asked port failed: context, not results. */
  context: PortDial[];
  /** This machine's source address towards each dialled address (null: no route). */
  routes: Record<string, Route>;
  /** Addresses not dialled, and why (an IPv6 address from a machine without IPv6). */
  skipped: Array<{ address: string; reason: string }>;
}

// Kept back from --timeout for the report, the output and the exit.
const MARGIN_MS = 100;

export async function dialAll(targets: readonly DialTarget[], o: DialAllOptions): Promise<DialAll> {
  const dialer = o.dialer ?? dialSmtp;
  const icmp = o.icmp ?? procIcmpCounter();
  const deadline = o.deadline - MARGIN_MS;
  const left = (): number => Math.max(1, deadline - Date.now());

  const addresses = [...new Set(targets.map((t) => t.address))];
  const route = o.route ?? routeTo;
  // With both families to dial, one this machine cannot reach at all is its own limit, not the
  // server's: skipped when the other can be dialled (else dialled anyway, so the failure shows).
  // With one family nothing is skipped, and the routing table is asked only afterwards, for the
  // source address a failure report names.
  const families = new Set(addresses.map(familyOf));
  const routes: Record<string, Route> = families.size > 1 ? Object.fromEntries(await Promise.all(addresses.map(async (a) => [a, await route(a)] as const))) : {};
  const routable = addresses.filter((a) => routes[a]?.source);
  const skipped = families.size > 1 && routable.length > 0 ? addresses.filter((a) => !routes[a]?.source).map((address) => ({ address, reason: `this machine has no route to it (${routes[address]?.error ?? 'no route'})` })) : [];
  const dialled = targets.filter((t) => !skipped.some((s) => s.address === t.address));

  const asked = new Set(dialled.map((t) => t.port));
  const contextPorts = MAIL_PORTS.filter((p) => !asked.has(p));
  // With context to gather after a failure, a SYN that goes unanswered must leave time for it.
  const connectShare = contextPorts.length > 0 ? 0.6 : 1;
  const options = (t: DialTarget, full: boolean, connectMs: number): DialOptions => ({
    connectTimeoutMs: connectMs,
    bannerTimeoutMs: left(),
    deadline,
    ...(o.heloName ? { heloName: o.heloName } : {}),
    ...(t.servername ? { servername: t.servername } : {}),
    // 25: the handshake is enough; 587 and 465: EHLO inside TLS too, for AUTH (submission is for
    // clients that log in).
    ...(t.port === 465 ? { implicitTls: true, ...(full ? { ehlo: true } : {}) } : full ? { starttls: true, ...(t.port !== 25 ? { ehloAfterTls: true } : {}) } : {}),
    ...(full && o.relayTest ? { mail: RELAY_TEST } : {}),
  });

  const dials = await dialBatch(dialled, (t) => dialer(t.address, t.port, options(t, true, Math.max(1, Math.floor(left() * connectShare)))), icmp, dialer, left);

  const failedAddresses = new Set(dials.filter((d) => ['refused', 'unreachable', 'timeout'].includes(d.result.outcome)).map((d) => d.address));
  const contextTargets: DialTarget[] = [];
  for (const t of dialled) {
    if (!failedAddresses.has(t.address) || contextTargets.some((c) => c.address === t.address)) continue;
    for (const port of contextPorts) contextTargets.push({ ...t, port });
  }
  const context = contextTargets.length > 0 && left() > 1 ? await dialBatch(contextTargets, (t) => dialer(t.address, t.port, options(t, false, left())), icmp, dialer, left) : [];
  for (const a of addresses) {
    if (routes[a]) continue;
    const local = dials.find((d) => d.address === a && d.result.local)?.result.local;
    routes[a] = local ? { source: local } : await route(a);
  }
  return { dials, context, routes, skipped };
}

/**
 * Dial a batch at once, reading the ICMP counters around it. When the counters settle the
 * question for every refusal of the batch (none moved, or one per refusal), that is the answer;
 * otherwise each refused port is dialled again alone, between two readings.
 */
async function dialBatch(targets: readonly DialTarget[], dial: (t: DialTarget) => Promise<DialResult>, icmp: IcmpCounter, dialer: Dialer, left: () => number): Promise<PortDial[]> {
  const before = { 4: icmp.read(4), 6: icmp.read(6) };
  const results = await Promise.all(targets.map(async (t) => ({ ...t, result: await dial(t) }) as PortDial));
  const after = { 4: icmp.read(4), 6: icmp.read(6) };
  for (const family of [4, 6] as const) {
    const ofFamily = results.filter((d) => familyOf(d.address) === family);
    const refused = ofFamily.filter((d) => d.result.outcome === 'refused');
    if (refused.length === 0) continue;
    const b = before[family];
    const a = after[family];
    if (b === null || a === null) {
      for (const d of refused) d.refusal = 'unknown';
      continue;
    }
    // ICMP unreachables answer the other failures too (admin-prohibited → EHOSTUNREACH).
    const others = ofFamily.filter((d) => d.result.outcome === 'unreachable').length;
    const moved = a - b;
    if (moved === 0 || moved === others) for (const d of refused) d.refusal = 'reset';
    else if (moved === refused.length + others && others === 0) for (const d of refused) d.refusal = 'icmp';
    else for (const d of refused) d.refusal = await alone(d, icmp, dialer, family, left);
  }
  return results;
}

async function alone(d: PortDial, icmp: IcmpCounter, dialer: Dialer, family: 4 | 6, left: () => number): Promise<Refusal> {
  if (left() < 20) return 'unknown';
  const b = icmp.read(family);
  const again = await dialer(d.address, d.port, { connectTimeoutMs: Math.min(left(), 2_000), bannerTimeoutMs: Math.min(left(), 2_000), deadline: Date.now() + left(), ...(d.port === 465 ? { implicitTls: true } : {}) });
  const a = icmp.read(family);
  if (again.outcome !== 'refused' || a === null || b === null) return 'unknown';
  return a - b === 0 ? 'reset' : a - b === 1 ? 'icmp' : 'unknown';
}

function familyOf(address: string): 4 | 6 {
  return isIP(address) === 6 ? 6 : 4;
}
