// A client in a container or VM on this host (--from an address on a docker/podman/lxc bridge):
// the application's "localhost" is its own loopback, so it reaches Postfix at the bridge address.
// Does Postfix listen there, and may that client relay? (Whether the firewall lets the bridge
// through is the client firewall check's walk, on the bridge interface.)

import { isLoopbackAddress, isWildcardAddress } from '../facts/ss.js';
import { cidrContains, parseCidr } from '../facts/cidr.js';
import { ok, problem } from './finding.js';
import { isPostfixListener } from '../facts/listeners.js';
import { listenersOn } from './smtp-ports.js';
import { serviceForPort } from './port-service.js';
import type { Facts } from '../facts/types.js';
import type { Finding, Probe } from './types.js';

export const containerProbe: Probe = {
  name: 'container',
  description: 'clients in containers: Postfix on the bridge address, relaying from the bridge',
  timeoutMs: 300,
  causes: ['container-bridge-not-listening'],
  async run(ctx) {
    const client = ctx.facts.client;
    const bridge = client?.bridge;
    if (!client || !bridge || client.address === null || !ctx.facts.postfix.installed) return [];
    const out: Finding[] = [];
    const where = `${bridge.kind} bridge ${bridge.name} (${bridge.subnet}); this host is ${bridge.address} there`;
    const ports = client.ports.filter((p) => serviceForPort(ctx.facts, p).service !== null);
    const deaf = ctx.facts.postfix.running ? ports.filter((p) => !listensOn(ctx.facts, p, bridge.address)) : [];
    const ifaces = ctx.facts.postfix.params.inet_interfaces ?? '?';
    if (deaf.length > 0) {
      out.push(
        problem('fail', 'container', 'container-bridge-not-listening', [where, `inet_interfaces = ${ifaces}`, ...deaf.map((p) => `port ${p}: ${listenersOn(ctx.facts, p).map((l) => l.address).join(', ') || 'no listener'} — not ${bridge.address}`), `inside the container, "localhost" is the container's own loopback: it must dial ${bridge.address}`], {
          title: `Postfix does not listen on ${bridge.address}, where ${client.address} (a container on ${bridge.name}) reaches this host`,
        }),
      );
    } else if (ctx.facts.postfix.running) out.push(ok('container', `Postfix listens on ${bridge.address} (${bridge.name}) for ${client.address}`, [where, `inet_interfaces = ${ifaces}`]));
    const net = parseCidr(bridge.subnet);
    const covered = (ctx.facts.postfix.params.mynetworks ?? '').split(/[\s,]+/).some((e) => {
      const n = parseCidr(e);
      return n !== null && net !== null && cidrContains(n, net);
    });
    if (!covered) {
      // Whether a container may relay is the admin's decision, not a fault: said, not counted.
      out.push(
        ok('container', `${client.address} may connect but not relay: ${bridge.subnet} is not in mynetworks`, [
          `mynetworks = ${ctx.facts.postfix.params.mynetworks ?? '?'}`,
          "it can send to this server's own domains; mail to anywhere else needs SASL authentication or mynetworks",
          `to let containers on ${bridge.name} relay: postfix-fix run --runbook container-bridge --from ${client.address} --var relay=true (adds exactly ${bridge.subnet})`,
        ]),
      );
    } else out.push(ok('container', `${bridge.subnet} is in mynetworks: ${client.address} may relay`, [`mynetworks = ${ctx.facts.postfix.params.mynetworks ?? '?'}`]));
    return out;
  },
};

/** A Postfix listener on `port` that takes connections to `address` (bound to it, or to every address). */
function listensOn(facts: Facts, port: number, address: string): boolean {
  const family = parseCidr(address)?.family ?? 4;
  return listenersOn(facts, port).some((l) => isPostfixListener(facts, l) && !isLoopbackAddress(l.address) && (l.address === address || (isWildcardAddress(l.address) && (l.address === '*' || l.family === family))));
}
