// Interfaces with their addresses (`ip -j addr`, namespace-correct through the executor), IPv6
// availability, and default routes. Route tables are read as /proc/1/net/*: /proc/net follows the
// *reader's* network namespace, PID 1's files follow the host's.

import { FactUnavailable, describeFailure, runTool } from './context.js';
import { parseIfInet6, parseIpAddrJson } from './ip-addr.js';
import { ipv4DefaultRouteIfaces, ipv6DefaultRouteIfaces } from './proc-route.js';
import type { FactContext, NoteError } from './context.js';
import type { Interface } from './ip-addr.js';
import type { NetworkFacts } from './types.js';

export async function gatherNetwork(ctx: FactContext, note: NoteError): Promise<NetworkFacts> {
  const [ip, route4, route6] = await Promise.all([
    runTool(ctx, ['ip', '-j', 'addr'], 2_000),
    ctx.fs.tryReadText('/proc/1/net/route').catch(() => null),
    ctx.fs.tryReadText('/proc/1/net/ipv6_route').catch(() => null),
  ]);
  let interfaces: Interface[];
  if (ip.exitCode === 0) interfaces = parseIpAddrJson(ip.stdout);
  else interfaces = await fallbackInterfaces(ctx, note, describeFailure(ip));
  return {
    interfaces,
    ipv6Available: interfaces.some((i) => i.addresses.some((a) => a.family === 6)),
    defaultRoutes: [
      ...(route4 ? ipv4DefaultRouteIfaces(route4) : []).map((iface) => ({ family: 4 as const, iface })),
      ...(route6 ? ipv6DefaultRouteIfaces(route6) : []).map((iface) => ({ family: 6 as const, iface })),
    ],
  };
}

async function fallbackInterfaces(ctx: FactContext, note: NoteError, why: string): Promise<Interface[]> {
  const inet6 = await ctx.fs.tryReadText('/proc/1/net/if_inet6').catch(() => null);
  const names = await ctx.fs.readdir('/sys/class/net').catch(() => null);
  if (names === null && inet6 === null) throw new FactUnavailable(why);
  note('network', `${why}; IPv4 addresses unknown, IPv6 read from /proc/net/if_inet6`);
  const v6 = inet6 ? parseIfInet6(inet6) : [];
  const all = new Set([...(names ?? []), ...v6.map((a) => a.name)]);
  return [...all].map((name) => ({
    name,
    up: true,
    loopback: name === 'lo',
    addresses: v6.filter((a) => a.name === name).map((a) => ({ family: 6 as const, address: a.address, prefixLength: a.prefixLength })),
  }));
}
