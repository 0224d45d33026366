// Which firewall backends are loaded now, and what each would do with a stranger's connection to
// 25/587/465. Read-only throughout: `nft list`, `iptables-*-save`, `firewall-cmd --state`,
// `ufw status`. The slow Python tools run only when there is something for them to confirm
// (a firewalld process; ufw's chains loaded), and iptables-legacy-save only when legacy tables
// exist — asking would cost a spawn for nothing.

import { FIREWALL_BACKENDS } from '../../core/profile.js';
import { describeFailure, runTool } from '../context.js';
import { countRules, hasChainPrefix, parseIptablesSave } from './iptables-save.js';
import { evaluateIptablesInput, traceIptablesInput } from './iptables-eval.js';
import { iptablesWalk, judgeClient, nftWalk } from './client-verdicts.js';
import { countNftRules, parseNftJson } from './nft-json.js';
import { evaluateNftInput, traceNftInput } from './nft-eval.js';
import { parseUfwStatus } from './ufw-status.js';
import type { FactContext, NoteError } from '../context.js';
import type { ProcessInfo } from '../processes.js';
import type { FirewallBackend } from '../../core/profile.js';
import type { ClientFacts, Fail2banFacts, FirewallFacts, FirewallPortVerdict, NetworkFacts } from '../types.js';
import { parseIp } from '../cidr.js';
import type { ClientWalk } from './client-verdicts.js';
import type { IptablesSave } from './iptables-save.js';
import type { NftRuleset } from './nft-json.js';
import type { Decision, PacketModel } from './packet.js';

export const SMTP_PORTS = [25, 587, 465] as const;

const isUfwChain = (c: string): boolean => c.startsWith('ufw-') || c.startsWith('ufw6-');

/**
 * `client` and `fail2ban` may still be on their way: the rulesets are read first, and only the
 * judging waits for them (the client's facts need master.cf, read by the slowest fact gatherer).
 */
export async function gatherFirewall(
  ctx: FactContext,
  note: NoteError,
  processes: ProcessInfo[],
  network: NetworkFacts,
  clientFacts: ClientFacts | null | Promise<ClientFacts | null> = null,
  fail2banFacts: Fail2banFacts | null | Promise<Fail2banFacts | null> = null,
): Promise<FirewallFacts> {
  const has = (p: string): boolean => ctx.exec.has(p);
  const installed = FIREWALL_BACKENDS.filter((b) => {
    if (b === 'firewalld') return has('firewall-cmd');
    if (b === 'ufw') return has('ufw');
    if (b === 'nftables') return has('nft');
    if (b === 'iptables-nft') return has('iptables-nft-save') || has('iptables-nft');
    return has('iptables-legacy-save') || has('iptables-legacy');
  });

  const [nft, iptNft, iptLegacy, firewalldRunning] = await Promise.all([
    has('nft') ? readNft(ctx, note) : Promise.resolve(null),
    has('iptables-nft-save') ? readIptables(ctx, note, 'iptables-nft-save', 'iptables-nft') : Promise.resolve(null),
    readLegacy(ctx, note),
    processes.some((p) => p.comm === 'firewalld') && has('firewall-cmd') ? firewalldState(ctx, note) : Promise.resolve(false),
  ]);

  // ufw writes its chains into whichever iptables it was built against; only then ask it.
  const ufwSave = [iptNft, iptLegacy].find((s) => s !== null && hasChainPrefix(s, 'ufw-')) ?? null;
  const ufwActive = ufwSave !== null && has('ufw') ? await ufwState(ctx, note) : false;

  const nftNative = nft ? countNftRules(nft, 'nftables') : 0;
  const nftFirewalld = nft ? countNftRules(nft, 'firewalld') : 0;
  const iptNftOwn = iptNft ? countRules(iptNft, isUfwChain) : 0;
  const iptLegacyOwn = iptLegacy ? countRules(iptLegacy, isUfwChain) : 0;

  const active: FirewallBackend[] = [];
  if (firewalldRunning) active.push('firewalld');
  if (ufwActive) active.push('ufw');
  if (nftNative > 0) active.push('nftables');
  if (iptNftOwn > 0) active.push('iptables-nft');
  if (iptLegacyOwn > 0) active.push('iptables-legacy');

  const legacyAny = iptLegacy ? countRules(iptLegacy) : 0;
  const nftSideAny = (iptNft ? countRules(iptNft) : 0) + nftNative + nftFirewalld;
  const mixedIptables = legacyAny > 0 && nftSideAny > 0;

  const [client, fail2ban] = await Promise.all([clientFacts, fail2banFacts]);
  const verdicts: FirewallPortVerdict[] = [];
  // The ports a person asked about are judged for strangers too: a port closed to everyone is
  // not that client's ban.
  const ports = [...new Set([...SMTP_PORTS, ...(client?.ports ?? [])])];
  const judge = (backend: FirewallBackend, decide: (p: PacketModel) => Decision): void => {
    for (const port of ports) {
      for (const iface of outsideInterfaces(network)) {
        const d = decide({ iface: iface.name, dport: port, dstAddrs: iface.v4 });
        verdicts.push({ backend, port, iface: iface.name, verdict: d.verdict, detail: d.detail });
      }
    }
  };
  if (firewalldRunning && nft && nftFirewalld > 0) judge('firewalld', (p) => evaluateNftInput(nft, 'firewalld', p));
  else if (firewalldRunning) judge('firewalld', () => ({ verdict: 'unknown', detail: 'firewalld runs, but its rules are not in nftables (iptables backend?)' }));
  if (ufwActive && ufwSave) judge('ufw', (p) => evaluateIptablesInput(ufwSave, p));
  if (nft && nftNative > 0) judge('nftables', (p) => evaluateNftInput(nft, 'nftables', p));
  if (iptNft && iptNftOwn > 0) judge('iptables-nft', (p) => evaluateIptablesInput(iptNft, p));
  if (iptLegacy && iptLegacyOwn > 0) judge('iptables-legacy', (p) => evaluateIptablesInput(iptLegacy, p));

  const facts: FirewallFacts = { active, installed, mixedIptables, verdicts };
  const f2bChains = new Set<string>();
  for (const save of [iptNft, iptLegacy]) for (const t of save?.tables.values() ?? []) for (const name of t.chains.keys()) if (name.startsWith('f2b-')) f2bChains.add(name.slice(4));
  for (const key of nft?.sets.keys() ?? []) {
    const m = /^[a-z0-9]+\/f2b-table\/addr6?-set-(.+)$/.exec(key);
    if (m) f2bChains.add(m[1] as string);
  }
  if (f2bChains.size > 0) facts.fail2banChains = [...f2bChains].sort();
  // The same walks for one source address, per active backend (ufw's chains live in the iptables
  // flavour it writes to: walked once, as ufw).
  const walkers: Array<[FirewallBackend, ClientWalk]> = [];
  if (firewalldRunning && nft && nftFirewalld > 0) walkers.push(['firewalld', nftWalk(nft, (rs, p) => traceNftInput(rs, 'firewalld', p))]);
  if (ufwActive && ufwSave) walkers.push(['ufw', iptablesWalk(ufwSave, traceIptablesInput)]);
  if (nft && nftNative > 0) walkers.push(['nftables', nftWalk(nft, (rs, p) => traceNftInput(rs, 'nftables', p))]);
  if (iptNft && iptNftOwn > 0 && iptNft !== ufwSave) walkers.push(['iptables-nft', iptablesWalk(iptNft, traceIptablesInput)]);
  if (iptLegacy && iptLegacyOwn > 0 && iptLegacy !== ufwSave) walkers.push(['iptables-legacy', iptablesWalk(iptLegacy, traceIptablesInput)]);

  const src = client?.address ?? null;
  // A client on this host itself connects over lo: no input rule from outside applies to it.
  if (client && src !== null && !client.local && client.family !== null) {
    const family = client.family;
    const iface = client.iface ?? outsideInterfaces(network)[0]?.name ?? '(outside)';
    const own = network.interfaces.find((i) => i.name === iface)?.addresses.filter((a) => a.family === family).map((a) => a.address) ?? [];
    const dstAddrs = client.bridge ? [client.bridge.address] : own;
    // IPv6 rules live in ip6tables' own tables (and nftables' ip6/inet ones): read only for an IPv6 client.
    const ways = family === 6 ? await v6Walkers(ctx, note, { nft, nftFirewalld, nftNative, firewalldRunning, ufwActive }) : walkers;
    facts.clientVerdicts = ways.flatMap(([backend, walk]) => client.ports.map((port) => judgeClient(backend, walk, { iface, dport: port, dstAddrs, src, family })));
  }
  // fail2ban's bans without a client: which ports each jail's ban list guards, found by walking
  // one of its banned addresses (they all meet the same rule).
  const jails = (fail2ban?.jails ?? []).filter((j) => (j.banned ?? []).some((a) => parseIp(a)?.family === 4));
  if (jails.length > 0 && walkers.length > 0) {
    const outside = outsideInterfaces(network)[0] ?? { name: '(outside)', v4: [] };
    facts.banReach = jails.map((j) => {
      const sample = (j.banned ?? []).find((a) => parseIp(a)?.family === 4) as string;
      const guarded = ports.filter((port) => walkers.some(([backend, walk]) => judgeClient(backend, walk, { iface: outside.name, dport: port, dstAddrs: outside.v4, src: sample }).toolRules.some((r) => r.jail === j.name)));
      return { jail: j.name, ports: guarded };
    });
  }
  return facts;
}

/**
 * Where a stranger's packet would arrive: the interfaces default routes leave by, else every up,
 * non-loopback interface with an address. With none, a nameless outside interface, so rules
 * that name no interface are still judged.
 */
export function outsideInterfaces(network: NetworkFacts): Array<{ name: string; v4: string[] }> {
  const v4 = (name: string): string[] => network.interfaces.find((i) => i.name === name)?.addresses.filter((a) => a.family === 4).map((a) => a.address) ?? [];
  const viaRoutes = [...new Set((network.defaultRoutes ?? []).map((r) => r.iface))].filter((n) => n !== 'lo');
  if (viaRoutes.length > 0) return viaRoutes.slice(0, 4).map((name) => ({ name, v4: v4(name) }));
  const up = network.interfaces.filter((i) => i.up && !i.loopback && i.addresses.length > 0);
  if (up.length > 0) return up.slice(0, 4).map((i) => ({ name: i.name, v4: v4(i.name) }));
  return [{ name: '(outside)', v4: [] }];
}

/** The walkers for an IPv6 packet: nftables' ip6/inet chains, and ip6tables' own tables. */
async function v6Walkers(
  ctx: FactContext,
  note: NoteError,
  o: { nft: NftRuleset | null; nftFirewalld: number; nftNative: number; firewalldRunning: boolean; ufwActive: boolean },
): Promise<Array<[FirewallBackend, ClientWalk]>> {
  const has = (p: string): boolean => ctx.exec.has(p);
  const legacyTool = has('ip6tables-legacy-save') ? 'ip6tables-legacy-save' : null;
  const legacyNames = legacyTool ? await ctx.fs.tryReadText('/proc/1/net/ip6_tables_names').catch(() => undefined) : null;
  const [ip6Nft, ip6Legacy] = await Promise.all([
    has('ip6tables-nft-save') ? readIptables(ctx, note, 'ip6tables-nft-save', 'ip6tables-nft') : Promise.resolve(null),
    legacyTool && !(legacyNames !== undefined && (legacyNames === null || legacyNames.trim() === '')) ? readIptables(ctx, note, legacyTool, 'ip6tables-legacy') : Promise.resolve(null),
  ]);
  const out: Array<[FirewallBackend, ClientWalk]> = [];
  const { nft } = o;
  if (o.firewalldRunning && nft && o.nftFirewalld > 0) out.push(['firewalld', nftWalk(nft, (rs, p) => traceNftInput(rs, 'firewalld', p))]);
  const ufw6 = [ip6Nft, ip6Legacy].find((x) => x !== null && hasChainPrefix(x, 'ufw6-')) ?? null;
  if (o.ufwActive && ufw6) out.push(['ufw', iptablesWalk(ufw6, traceIptablesInput)]);
  if (nft && o.nftNative > 0) out.push(['nftables', nftWalk(nft, (rs, p) => traceNftInput(rs, 'nftables', p))]);
  if (ip6Nft && ip6Nft !== ufw6 && countRules(ip6Nft, isUfwChain) > 0) out.push(['iptables-nft', iptablesWalk(ip6Nft, traceIptablesInput)]);
  if (ip6Legacy && ip6Legacy !== ufw6 && countRules(ip6Legacy, isUfwChain) > 0) out.push(['iptables-legacy', iptablesWalk(ip6Legacy, traceIptablesInput)]);
  return out;
}

async function readNft(ctx: FactContext, note: NoteError): Promise<NftRuleset | null> {
  const r = await runTool(ctx, ['nft', '-j', 'list', 'ruleset'], 3_000);
  if (r.exitCode !== 0) {
    note('firewall.nftables', describeFailure(r));
    return null;
  }
  try {
    return parseNftJson(r.stdout);
  } catch (e) {
    note('firewall.nftables', `nft -j output not understood: ${(e as Error).message}`);
    return null;
  }
}

async function readIptables(ctx: FactContext, note: NoteError, tool: string, fact: string): Promise<IptablesSave | null> {
  const r = await runTool(ctx, [tool], 3_000);
  if (r.exitCode !== 0) {
    note(`firewall.${fact}`, describeFailure(r));
    return null;
  }
  return parseIptablesSave(r.stdout);
}

async function readLegacy(ctx: FactContext, note: NoteError): Promise<IptablesSave | null> {
  const tool = ctx.exec.has('iptables-legacy-save') ? 'iptables-legacy-save' : ctx.exec.has('iptables-save') && !ctx.exec.has('iptables-nft-save') ? 'iptables-save' : null;
  if (tool === null) return null;
  // Legacy tables exist only once something used them; no names = nothing loaded, nothing to ask.
  const names = await ctx.fs.tryReadText('/proc/1/net/ip_tables_names').catch(() => undefined);
  if (names !== undefined && (names === null || names.trim() === '')) return null;
  return readIptables(ctx, note, tool, 'iptables-legacy');
}

async function firewalldState(ctx: FactContext, note: NoteError): Promise<boolean> {
  const r = await runTool(ctx, ['firewall-cmd', '--state'], 3_000);
  if (r.timedOut) note('firewall.firewalld', describeFailure(r));
  return r.stdout.trim() === 'running';
}

async function ufwState(ctx: FactContext, note: NoteError): Promise<boolean> {
  const r = await runTool(ctx, ['ufw', 'status', 'verbose'], 3_000);
  if (r.exitCode !== 0) {
    note('firewall.ufw', describeFailure(r));
    return false;
  }
  return parseUfwStatus(r.stdout).active;
}
