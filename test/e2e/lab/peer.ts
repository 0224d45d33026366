import type { Host } from './host-types.js';
import { runOk } from './run.js';

export interface LinkInfo {
  aAddr: string;
  bAddr: string;
  aIf: string;
  bIf: string;
  // e.g. 10.231.7.0/24
  subnet: string;
}

interface Allocation {
  a: Host;
  b: Host;
}

// Subnets only need to be unique per pair of hosts that share a namespace, but keeping them
// unique across all live links of this process makes every address in a log unambiguous.
const SUBNET_PREFIX = '10.231';
const subnets = new Map<number, Allocation>();
const interfaceCount = new WeakMap<Host, number>();
let nextSubnet = 0;

function allocateSubnet(a: Host, b: Host): number {
  for (let i = 0; i < 256; i++) {
    const n = (nextSubnet + i) % 256;
    const used = subnets.get(n);
    if (!used || used.a.destroyed || used.b.destroyed) {
      subnets.set(n, { a, b });
      nextSubnet = (n + 1) % 256;
      return n;
    }
  }
  throw new Error('all 256 lab subnets are in use');
}

// The next free ethN name in host (links and container attachments share the count).
export function nextInterface(host: Host): string {
  const n = interfaceCount.get(host) ?? 0;
  interfaceCount.set(host, n + 1);
  return `eth${n}`;
}

const IP_TIMEOUT_MS = 10_000;

function inNetns(host: Host, argv: readonly string[]): Promise<unknown> {
  return runOk(['nsenter', '-t', String(host.pid), '-n', '--', ...argv], { timeoutMs: IP_TIMEOUT_MS });
}

// Connects two hosts with a veth pair created inside a's namespace with its peer end placed
// directly in b's: neither end ever exists in the machine's network namespace.
export async function link(a: Host, b: Host): Promise<LinkInfo> {
  const n = allocateSubnet(a, b);
  const aIf = nextInterface(a);
  const bIf = nextInterface(b);
  const aAddr = `${SUBNET_PREFIX}.${n}.1`;
  const bAddr = `${SUBNET_PREFIX}.${n}.2`;
  try {
    await inNetns(a, ['ip', 'link', 'add', aIf, 'type', 'veth', 'peer', 'name', bIf, 'netns', String(b.pid)]);
    await Promise.all([
      inNetns(a, ['ip', 'addr', 'add', `${aAddr}/24`, 'dev', aIf]).then(() => inNetns(a, ['ip', 'link', 'set', aIf, 'up'])),
      inNetns(b, ['ip', 'addr', 'add', `${bAddr}/24`, 'dev', bIf]).then(() => inNetns(b, ['ip', 'link', 'set', bIf, 'up'])),
    ]);
  } catch (e) {
    subnets.delete(n);
    throw e;
  }
  return { aAddr, bAddr, aIf, bIf, subnet: `${SUBNET_PREFIX}.${n}.0/24` };
}

/**
 * Give a host an address besides loopback without a peer: a veth pair with both ends inside the
 * host's own netns (this kernel has no `dummy` module). For checks that dial the host's own
 * non-loopback addresses; nothing leaves the namespace.
 */
export async function addOwnAddress(host: Host, cidr = '10.231.250.1/24'): Promise<string> {
  await host.execOk(['ip', 'link', 'add', 'own0', 'type', 'veth', 'peer', 'name', 'own1']);
  await host.execOk(['ip', 'addr', 'add', cidr, 'dev', 'own0']);
  await host.execOk(['ip', 'link', 'set', 'own0', 'up']);
  await host.execOk(['ip', 'link', 'set', 'own1', 'up']);
  return cidr.split('/')[0] as string;
}
