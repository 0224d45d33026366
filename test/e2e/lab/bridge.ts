import { randomBytes } from 'node:crypto';
import type { Host } from './host-types.js';
import { LabHost } from './host.js';
import { nextInterface } from './peer.js';
import { runOk } from './run.js';

// Docker/Podman networking on a server, the part Postfix sees: a Linux bridge in the server's
// network namespace holding the gateway address (docker0, 172.17.0.1/16), and a "container" —
// a namespace host of its own — whose eth interface is one end of a veth pair, the other end
// (vethXXXXXXX) enslaved to the bridge. Its traffic reaches Postfix from the bridge subnet,
// addressed to the bridge address. Not emulated: Docker's iptables chains (DOCKER, NAT to the
// outside), which play no part in a container reaching its host.

export interface ContainerOptions {
  // Bridge name in the server (default docker0; podman uses podman0/cni-podman0).
  bridge?: string;
  // Bridge subnet in CIDR (default 172.17.0.0/16): the bridge takes .1, containers .2, .3, ...
  subnet?: string;
  // Name of the container host (default: SERVER-ctrN).
  name?: string;
}

export interface ContainerInfo {
  container: LabHost;
  bridge: string;
  // The server's address on the bridge: what a container uses to reach "the host".
  bridgeAddr: string;
  containerAddr: string;
  subnet: string;
  // Server-side veth end (enslaved to the bridge) and the container's interface.
  hostVeth: string;
  containerIf: string;
}

interface BridgeState {
  subnet: string;
  nextHost: number;
  containers: number;
}

const bridges = new WeakMap<Host, Map<string, BridgeState>>();
const IFNAME = /^[a-z][a-z0-9_-]{0,14}$/i;

function parseSubnet(cidr: string): { base: number; prefix: number } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m) throw new Error(`bad IPv4 subnet ${JSON.stringify(cidr)}`);
  const octets = m.slice(1, 5).map(Number);
  const prefix = Number(m[5]);
  if (octets.some((o) => o > 255) || prefix < 8 || prefix > 30) throw new Error(`bad IPv4 subnet ${JSON.stringify(cidr)}`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  return { base: base - (base % size), prefix };
}

function addressAt(subnet: string, offset: number): string {
  const { base, prefix } = parseSubnet(subnet);
  if (offset >= 2 ** (32 - prefix) - 1) throw new Error(`subnet ${subnet} is full`);
  const n = base + offset;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function inNetns(host: Host, argv: readonly string[]): Promise<unknown> {
  return runOk(['nsenter', '-t', String(host.pid), '-n', '--', ...argv], { timeoutMs: 10_000 });
}

// Creates the bridge in server on first use (later calls with the same bridge add containers
// to it), and a new container host attached to it, with a default route via the bridge address.
// The container is a LabHost without Postfix: destroy it like any other host.
export async function attachContainer(server: Host, opts: ContainerOptions = {}): Promise<ContainerInfo> {
  const bridge = opts.bridge ?? 'docker0';
  if (!IFNAME.test(bridge)) throw new Error(`bad bridge name ${JSON.stringify(bridge)}`);
  let perHost = bridges.get(server);
  if (!perHost) bridges.set(server, (perHost = new Map()));
  let state = perHost.get(bridge);
  if (state && opts.subnet !== undefined && opts.subnet !== state.subnet) {
    throw new Error(`${server.name}: bridge ${bridge} already has subnet ${state.subnet}`);
  }
  const subnet = state?.subnet ?? opts.subnet ?? '172.17.0.0/16';
  const prefix = parseSubnet(subnet).prefix;
  const bridgeAddr = addressAt(subnet, 1);
  if (!state) {
    await inNetns(server, ['ip', 'link', 'add', bridge, 'type', 'bridge']);
    await inNetns(server, ['ip', 'addr', 'add', `${bridgeAddr}/${prefix}`, 'dev', bridge]);
    await inNetns(server, ['ip', 'link', 'set', bridge, 'up']);
    state = { subnet, nextHost: 2, containers: 0 };
    perHost.set(bridge, state);
  }
  const containerAddr = addressAt(subnet, state.nextHost);
  state.nextHost++;
  state.containers++;
  const container = await LabHost.create({ name: opts.name ?? `${server.name}-ctr${state.containers}`, postfix: false });
  try {
    // Docker's naming: veth + 7 hex digits.
    const hostVeth = `veth${randomBytes(4).toString('hex').slice(0, 7)}`;
    const containerIf = nextInterface(container);
    await inNetns(server, ['ip', 'link', 'add', hostVeth, 'type', 'veth', 'peer', 'name', containerIf, 'netns', String(container.pid)]);
    await inNetns(server, ['ip', 'link', 'set', hostVeth, 'master', bridge]);
    await inNetns(server, ['ip', 'link', 'set', hostVeth, 'up']);
    await inNetns(container, ['ip', 'addr', 'add', `${containerAddr}/${prefix}`, 'dev', containerIf]);
    await inNetns(container, ['ip', 'link', 'set', containerIf, 'up']);
    await inNetns(container, ['ip', 'route', 'add', 'default', 'via', bridgeAddr]);
    return { container, bridge, bridgeAddr, containerAddr, subnet, hostVeth, containerIf };
  } catch (e) {
    await container.destroy();
    throw e;
  }
}
