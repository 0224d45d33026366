// What the firewall module and its backends share: our tag, where strangers arrive, what a
// backend is told and answers. The backend contract itself is in backend.ts.

import type { JsonObject } from '../../core/json.js';
import type { FirewallBackend } from '../../core/profile.js';
import type { Decision, PacketModel } from '../../facts/firewall/packet.js';

/** The comment every rule we add carries: how undo (and a human) tells ours from theirs. */
export const TAG = 'postfix-fix';

/** Where a stranger's connection arrives: an interface and its own addresses. */
export interface OutsideIface extends JsonObject {
  name: string;
  v4: string[];
  v6: string[];
}

/** What every backend's inspect is told about the host as it is now. */
export interface InspectEnv {
  ports: number[];
  outside: OutsideIface[];
  /** Backends active now (live re-check), in the profile's order of preference. */
  active: FirewallBackend[];
}

/** One backend's answer for one port, arriving on one interface (and address family). */
export interface PortVerdict extends JsonObject {
  backend: FirewallBackend;
  port: number;
  iface: string;
  family: 4 | 6;
  verdict: Decision['verdict'];
  detail: string;
}

/** What the plans made so far (frontends first) will open: later backends plan around it. */
export interface PlanContext {
  ports: number[];
  active: FirewallBackend[];
  /** Ports a frontend in this plan opens, by frontend. */
  openedBy: Map<FirewallBackend, Set<number>>;
}

/** One way in for a packet: the interface and its addresses of one family. */
export interface WayIn {
  name: string;
  addrs: string[];
}

/** The ways in for one address family; with none known, a nameless one, so rules naming no interface are still judged. */
export function waysIn(outside: readonly OutsideIface[], family: 4 | 6): WayIn[] {
  return outside.length > 0 ? outside.map((o) => ({ name: o.name, addrs: family === 4 ? o.v4 : o.v6 })) : [{ name: '(outside)', addrs: [] }];
}

/** The packets for one port, one per way in. */
export const packetsFor = (ways: readonly WayIn[], port: number): PacketModel[] => ways.map((w) => ({ iface: w.name, dport: port, dstAddrs: w.addrs }));

/** Each port through each way in, judged by `decide` (port by port, the order evidence lists them in). */
export function judgePorts(backend: FirewallBackend, family: 4 | 6, ports: readonly number[], ways: readonly WayIn[], decide: (p: PacketModel) => Decision): PortVerdict[] {
  return ports.flatMap((port) =>
    packetsFor(ways, port).map((p) => {
      const d = decide(p);
      return { backend, port, iface: p.iface, family, verdict: d.verdict, detail: d.detail };
    }),
  );
}

/** A port verdict in one line of evidence. */
export function describeVerdict(v: PortVerdict): string {
  return `${v.backend}: ${v.port}/tcp${v.family === 6 ? ' (IPv6)' : ''} from outside via ${v.iface} → ${v.verdict}${v.detail ? ` (${v.detail})` : ''}`;
}

export const blocks = (v: PortVerdict): boolean => v.verdict === 'drop' || v.verdict === 'reject';
