// The client a person names (--from) and the ports it uses (--port), as this host sees them:
// which interface its packets arrive on (the kernel's own route back to it), whether it is
// this host itself, and whether it sits on one of this host's bridges — a container (Docker,
// Podman, LXC) or a VM whose "localhost" is its own loopback, not ours.

import { cidrContains, formatCidr, parseCidr } from './cidr.js';
import { isLoopbackAddress } from './ss.js';
import { runTool } from './context.js';
import type { ClientQuery } from '../core/client.js';
import type { FactContext } from './context.js';
import type { ClientBridge, ClientFacts, MasterService, NetworkFacts } from './types.js';

/** Daemons that answer an SMTP client on an inet port. */
const SMTP_DAEMONS = new Set(['smtpd', 'postscreen']);

/**
 * 25, then every port an smtpd (or postscreen) service in master.cf offers clients, in master.cf
 * order. A service bound to loopback (a content filter's reinjection port) is not for clients.
 */
export function defaultClientPorts(services: readonly MasterService[]): number[] {
  const ports = [25];
  for (const s of services) {
    const loopback = s.address !== null && (isLoopbackAddress(s.address.replace(/^\[(.*)\]$/, '$1')) || s.address === 'localhost');
    if (s.type === 'inet' && SMTP_DAEMONS.has(s.command) && s.port !== null && !loopback && !ports.includes(s.port)) ports.push(s.port);
  }
  return ports;
}

/**
 * `network` and `services` may still be on their way (master.cf is read by the slowest fact
 * gatherer): the route to the client is asked for at once, side by side with them.
 */
export async function gatherClient(ctx: FactContext, q: ClientQuery, networkFacts: NetworkFacts | Promise<NetworkFacts>, servicesFacts: readonly MasterService[] | Promise<readonly MasterService[]>): Promise<ClientFacts> {
  const [route, network, services] = await Promise.all([q.address === null ? null : routeTo(ctx, q.address), networkFacts, servicesFacts]);
  const ports = q.ports ?? defaultClientPorts(services);
  const base: ClientFacts = { address: q.address, name: q.name, family: null, ports, portsGiven: q.ports !== null, iface: null, local: false, bridge: null };
  if (q.address === null) return base;
  const ip = parseCidr(q.address);
  const family = ip?.family ?? null;
  const own = network.interfaces.some((i) => i.addresses.some((a) => a.address === q.address));
  const iface = route?.iface ?? onLink(network, q.address)?.name ?? defaultIface(network, family);
  const local = isLoopbackAddress(q.address) || own || route?.local === true;
  const bridge = !local && iface !== null ? await bridgeOf(ctx, network, iface, q.address) : null;
  return { ...base, family, iface: local ? 'lo' : iface, local, bridge };
}

/** `ip -j route get ADDRESS`: the interface the kernel would answer the client by. */
async function routeTo(ctx: FactContext, address: string): Promise<{ iface: string; local: boolean } | null> {
  if (!ctx.exec.has('ip')) return null;
  const r = await runTool(ctx, ['ip', '-j', 'route', 'get', address], 1_500);
  if (r.exitCode !== 0) return null;
  try {
    const routes = JSON.parse(r.stdout) as Array<{ dev?: unknown; type?: unknown }>;
    const first = routes[0];
    if (!first || typeof first.dev !== 'string') return null;
    return { iface: first.dev, local: first.type === 'local' || first.dev === 'lo' };
  } catch {
    return null;
  }
}

/** The interface whose own network holds the address (a directly connected client). */
function onLink(network: NetworkFacts, address: string): { name: string; address: string; prefixLength: number } | null {
  const ip = parseCidr(address);
  if (!ip) return null;
  for (const i of network.interfaces) {
    if (i.loopback) continue;
    for (const a of i.addresses) {
      const net = parseCidr(`${a.address}/${a.prefixLength}`);
      if (net && a.prefixLength > 0 && cidrContains(net, ip)) return { name: i.name, address: a.address, prefixLength: a.prefixLength };
    }
  }
  return null;
}

function defaultIface(network: NetworkFacts, family: 4 | 6 | null): string | null {
  return (network.defaultRoutes ?? []).find((r) => r.family === family)?.iface ?? null;
}

/** Bridges container and VM tools make, by their usual names. */
const BRIDGE_KINDS: ReadonlyArray<[RegExp, string]> = [
  [/^(docker\d+|br-[0-9a-f]{12})$/, 'docker'],
  [/^(podman\d+|cni-podman\d+|cni\d+)$/, 'podman'],
  [/^(lxcbr\d+|lxdbr\d+|incusbr\d+)$/, 'lxc'],
  [/^virbr\d+$/, 'libvirt'],
];

async function bridgeOf(ctx: FactContext, network: NetworkFacts, iface: string, address: string): Promise<ClientBridge | null> {
  const link = onLink(network, address);
  if (!link || link.name !== iface) return null;
  const named = BRIDGE_KINDS.find(([re]) => re.test(iface))?.[1];
  // Any other Linux bridge says so in sysfs.
  const kind = named ?? ((await ctx.fs.exists(`/sys/class/net/${iface}/bridge`).catch(() => false)) ? 'bridge' : null);
  if (kind === null) return null;
  const net = parseCidr(`${link.address}/${link.prefixLength}`);
  return { name: iface, kind, address: link.address, prefixLength: link.prefixLength, subnet: net ? formatCidr(net) : `${link.address}/${link.prefixLength}` };
}
