// Walk nftables' input hook for our PacketModel (an IPv4 TCP SYN from a stranger). Every base
// chain on the input hook sees the packet in priority order: `accept` ends only that chain, a
// drop or reject anywhere is final. Expressions we cannot interpret make a terminal rule's
// outcome unknown, never a guess. The walk records where it decided and whose table that is.

import { cidrContains, parseCidr } from '../cidr.js';
import { ifaceMatches, nftTableOwner, triAnd, triNot } from './packet.js';
import { chainKey, tableOwner } from './nft-json.js';
import type { DecidedAt, Decision, PacketModel, Trace, Tri } from './packet.js';
import type { NftChain, NftRuleset } from './nft-json.js';
import type { FirewallBackend } from '../../core/profile.js';

const MAX_DEPTH = 32;
// Families a packet traverses at the input hook, by its IP version.
const V4_FAMILIES = new Set(['ip', 'inet']);
const V6_FAMILIES = new Set(['ip6', 'inet']);
const NON_TERMINAL = new Set(['counter', 'log', 'limit', 'mangle', 'notrack', 'meta', 'ct', 'quota', 'set', 'xt']);

type Value = string | number;
type Walked = { verdict: Decision['verdict']; detail: string; at: DecidedAt | null };
type ChainResult = Walked | { verdict: 'return' } | { verdict: 'fallthrough' };

/** The verdict of the input-hook base chains in tables `owner` owns (nftables or firewalld). */
export function evaluateNftInput(rs: NftRuleset, owner: FirewallBackend, packet: PacketModel): Decision {
  const { verdict, detail } = traceNftInput(rs, owner, packet);
  return { verdict, detail };
}

/** The input-hook base chains of `owner`'s tables, in the order the packet meets them. */
export function inputBaseChains(rs: NftRuleset, owner: FirewallBackend, family: 4 | 6 = 4): NftChain[] {
  const families = family === 6 ? V6_FAMILIES : V4_FAMILIES;
  return [...rs.chains.values()]
    .filter((c) => c.hook === 'input' && (c.type ?? 'filter') === 'filter' && families.has(c.family) && tableOwner(c.family, c.table) === owner)
    .sort((a, b) => a.prio - b.prio);
}

/**
 * evaluateNftInput, and where it was decided, by whose rule. `onlyBase` (a chain key) walks that
 * one base chain as if it were the only one on the hook: "does this chain let it through?"
 */
export function traceNftInput(rs: NftRuleset, owner: FirewallBackend, packet: PacketModel, onlyBase?: string): Trace {
  const bases = inputBaseChains(rs, owner, packet.family ?? 4).filter((c) => onlyBase === undefined || chainKey(c.family, c.table, c.name) === onlyBase);
  if (bases.length === 0) return { verdict: 'allow', detail: 'no input-hook chain', at: null, owner: null };
  let last: Trace = { verdict: 'allow', detail: '', at: null, owner: null };
  for (const base of bases) {
    const r = walk(rs, base, packet, 0);
    const table = `${base.family} ${base.table}`;
    let d: Walked;
    if (r.verdict === 'return' || r.verdict === 'fallthrough') {
      const policy = base.policy ?? 'accept';
      d = { verdict: policy === 'accept' ? 'allow' : 'drop', detail: `policy ${policy} of chain ${table} ${base.name}`, at: { chain: chainKey(base.family, base.table, base.name), rule: null } };
    } else d = { verdict: r.verdict, detail: `${table} ${r.detail}`, at: r.at };
    const t: Trace = { ...d, owner: d.at ? nftTableOwner(d.at.chain.split('/')[1] ?? '') : null };
    if (t.verdict !== 'allow') return t;
    last = t;
  }
  return last;
}

function walk(rs: NftRuleset, chain: NftChain, p: PacketModel, depth: number): ChainResult {
  if (depth > MAX_DEPTH) return { verdict: 'unknown', detail: `jumps nest deeper than ${MAX_DEPTH}`, at: null };
  for (const [index, rule] of chain.rules.entries()) {
    const at = { chain: chainKey(chain.family, chain.table, chain.name), rule: index };
    let matched: Tri = true;
    for (const expr of rule.expr) {
      if (matched === false) break;
      const e = expr as Record<string, unknown>;
      const kind = Object.keys(e)[0] ?? '';
      const body = e[kind];
      if (kind === 'match') {
        matched = triAnd(matched, evalMatch(rs, chain, body as MatchBody, p));
        continue;
      }
      if (NON_TERMINAL.has(kind)) continue;
      const verdict = kind === 'vmap' ? vmapVerdict(rs, chain, body as VmapBody, p) : { kind, body };
      if (verdict === 'unknown') return { verdict: 'unknown', detail: `${chain.name}: cannot evaluate: ${describe(rule.expr)}`, at };
      if (verdict === null) break; // vmap had no entry for us: the rule does nothing
      if (matched === 'unknown') return { verdict: 'unknown', detail: `${chain.name}: cannot evaluate: ${describe(rule.expr)}`, at };
      const r = applyVerdict(rs, chain, verdict.kind, verdict.body, p, depth, rule.expr, at);
      if (r === 'continue') break;
      return r;
    }
  }
  return { verdict: 'fallthrough' };
}

function applyVerdict(rs: NftRuleset, chain: NftChain, kind: string, body: unknown, p: PacketModel, depth: number, expr: unknown[], at: DecidedAt): ChainResult | 'continue' {
  switch (kind) {
    case 'accept':
      return { verdict: 'allow', detail: `${chain.name}: ${describe(expr)}`, at };
    case 'drop':
      return { verdict: 'drop', detail: `${chain.name}: ${describe(expr)}`, at };
    case 'reject':
      return { verdict: 'reject', detail: `${chain.name}: ${describe(expr)}`, at };
    case 'return':
      return { verdict: 'return' };
    case 'continue':
      return 'continue';
    case 'jump':
    case 'goto': {
      const target = (body as { target?: string }).target ?? '';
      const sub = rs.chains.get(chainKey(chain.family, chain.table, target));
      if (!sub) return { verdict: 'unknown', detail: `${kind} to unknown chain ${target}`, at };
      const r = walk(rs, sub, p, depth + 1);
      if (r.verdict === 'return' || r.verdict === 'fallthrough') return kind === 'goto' ? { verdict: 'return' } : 'continue';
      return r;
    }
    default:
      return { verdict: 'unknown', detail: `unsupported statement ${kind}: ${describe(expr)}`, at };
  }
}

interface MatchBody {
  op: string;
  left: unknown;
  right: unknown;
}

interface VmapBody {
  key: unknown;
  data: unknown;
}

/** What the packet has for a left-hand expression; null = "this header is not there" (no match). */
function packetValue(left: unknown, p: PacketModel): { values: Value[] } | { absent: true } | { stranger: 'addr' | 'port' } | 'unknown' {
  if (!left || typeof left !== 'object') return 'unknown';
  const l = left as Record<string, Record<string, unknown>>;
  if (l.payload) {
    const { protocol, field } = l.payload as { protocol?: string; field?: string };
    if (protocol === 'tcp' || protocol === 'th') {
      if (field === 'dport') return { values: [p.dport] };
      if (field === 'sport') return { stranger: 'port' };
      return 'unknown';
    }
    const v6 = p.family === 6;
    if (protocol === 'ip' || protocol === 'ip6') {
      // The other IP version's header is not there: its matches fail either way.
      if ((protocol === 'ip6') !== v6) return { absent: true };
      if (field === 'saddr') return p.src === undefined ? { stranger: 'addr' } : { values: [p.src] };
      if (field === 'daddr') return { values: p.dstAddrs };
      if (field === (v6 ? 'nexthdr' : 'protocol')) return { values: ['tcp', 6] };
      return 'unknown';
    }
    if (protocol === 'udp' || protocol === 'icmp' || protocol === 'icmpv6' || protocol === 'sctp') return { absent: true };
    return 'unknown';
  }
  if (l.meta) {
    const key = (l.meta as { key?: string }).key;
    if (key === 'iifname' || key === 'iif') return { values: [p.iface] };
    if (key === 'l4proto') return { values: ['tcp', 6] };
    if (key === 'nfproto') return p.family === 6 ? { values: ['ipv6', 10] } : { values: ['ipv4', 2] };
    if (key === 'protocol') return p.family === 6 ? { values: ['ip6', 0x86dd] } : { values: ['ip', 0x0800] };
    if (key === 'pkttype') return { values: ['host'] };
    return 'unknown';
  }
  if (l.ct) {
    const key = (l.ct as { key?: string }).key;
    if (key === 'state') return { values: ['new'] };
    if (key === 'status') return { values: [] };
    return 'unknown';
  }
  if (l.fib) {
    const fib = l.fib as { result?: string; flags?: unknown };
    const flags = Array.isArray(fib.flags) ? fib.flags : [fib.flags];
    if (fib.result === 'type' && flags.includes('daddr')) return { values: ['local'] };
    return 'unknown';
  }
  return 'unknown';
}

function evalMatch(rs: NftRuleset, chain: NftChain, m: MatchBody, p: PacketModel): Tri {
  const v = packetValue(m.left, p);
  if (v === 'unknown') return 'unknown';
  const negated = m.op === '!=';
  if ('absent' in v) return false; // the dependency (ip6, udp, …) is not met: no match either way
  if ('stranger' in v) {
    // A match on the source address or port only fits some strangers: not "the internet".
    if (v.stranger === 'addr' && rightCoversAll(m.right)) return !negated;
    return negated;
  }
  if (m.op !== '==' && m.op !== '!=' && m.op !== 'in') return 'unknown';
  const elems = rightElements(rs, chain, m.right);
  if (elems === 'unknown') return 'unknown';
  const hit = v.values.some((val) => elems.some((el) => elementMatches(el, val)));
  // `ct status dnat`, `ct state {…}` with op `in` test flags: membership is what we model.
  return negated ? triNot(hit) : hit;
}

function rightElements(rs: NftRuleset, chain: NftChain, right: unknown): unknown[] | 'unknown' {
  if (typeof right === 'string' && right.startsWith('@')) {
    const set = rs.sets.get(chainKey(chain.family, chain.table, right.slice(1)));
    return set ?? 'unknown';
  }
  if (Array.isArray(right)) return right;
  if (right && typeof right === 'object' && 'set' in right) {
    const s = (right as { set: unknown }).set;
    return Array.isArray(s) ? s : [s];
  }
  return [right];
}

function elementMatches(el: unknown, val: Value): boolean {
  if (typeof el === 'number' || typeof el === 'string') {
    if (typeof el === 'string' && typeof val === 'string' && (el.endsWith('*') || el.endsWith('+'))) return ifaceMatches(el, val);
    return String(el) === String(val);
  }
  if (el && typeof el === 'object') {
    const o = el as Record<string, unknown>;
    if (Array.isArray(o.range)) {
      const [a, b] = o.range as [unknown, unknown];
      return typeof val === 'number' && typeof a === 'number' && typeof b === 'number' && val >= a && val <= b;
    }
    if (o.prefix && typeof o.prefix === 'object') {
      const { addr, len } = o.prefix as { addr?: string; len?: number };
      const net = parseCidr(`${addr}/${len}`);
      const host = parseCidr(String(val));
      return net !== null && host !== null && cidrContains(net, host);
    }
    if ('elem' in o) return o.elem !== null && elementMatches((o.elem as { val?: unknown }).val ?? o.elem, val);
  }
  return false;
}

function rightCoversAll(right: unknown): boolean {
  const o = right as { prefix?: { len?: number } } | null;
  return !!o && typeof o === 'object' && o.prefix?.len === 0;
}

function vmapVerdict(rs: NftRuleset, chain: NftChain, body: VmapBody, p: PacketModel): { kind: string; body: unknown } | null | 'unknown' {
  const v = packetValue(body.key, p);
  if (v === 'unknown' || 'stranger' in v) return 'unknown';
  if ('absent' in v) return null;
  const entries = rightElements(rs, chain, body.data);
  if (entries === 'unknown') return 'unknown';
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length !== 2 || entry[1] === null || typeof entry[1] !== 'object') return 'unknown';
    const [k, verdict] = entry as [unknown, Record<string, unknown>];
    if (v.values.some((val) => elementMatches(k, val))) {
      const kind = Object.keys(verdict)[0] ?? '';
      return { kind, body: verdict[kind] };
    }
  }
  return null;
}

/** A rule's expressions in nft's own words, roughly: enough for evidence. */
export function describe(expr: unknown[]): string {
  return expr
    .map((e) => {
      const o = e as Record<string, unknown>;
      const kind = Object.keys(o)[0] ?? '';
      const body = o[kind];
      if (kind === 'match') {
        const m = body as MatchBody;
        const op = m.op === '==' || m.op === 'in' ? '' : `${m.op} `;
        return `${describeLeft(m.left)} ${op}${describeRight(m.right)}`;
      }
      if (kind === 'jump' || kind === 'goto') return `${kind} ${(body as { target?: string }).target ?? ''}`;
      if (kind === 'reject') {
        const r = (body ?? {}) as { type?: string; expr?: string };
        return `reject${r.type ? ` with ${r.type}${r.expr ? ` ${r.expr}` : ''}` : ''}`;
      }
      if (kind === 'counter') return 'counter';
      if (kind === 'xt') return `xt ${(body as { name?: string } | null)?.name ?? ''}`;
      if (body === null) return kind;
      return `${kind} …`;
    })
    .join(' ');
}

function describeLeft(left: unknown): string {
  const l = (left ?? {}) as Record<string, Record<string, unknown>>;
  if (l.payload) return `${l.payload.protocol} ${l.payload.field}`;
  if (l.meta) return `meta ${l.meta.key}`;
  if (l.ct) return `ct ${l.ct.key}`;
  if (l.fib) return 'fib';
  return '?';
}

function describeRight(right: unknown): string {
  if (typeof right === 'string' || typeof right === 'number') return String(right);
  if (Array.isArray(right)) return `{ ${right.map(describeRight).join(', ')} }`;
  const o = (right ?? {}) as Record<string, unknown>;
  if (Array.isArray(o.set)) return `{ ${o.set.map(describeRight).join(', ')} }`;
  if (Array.isArray(o.range)) return `${o.range[0]}-${o.range[1]}`;
  if (o.prefix) {
    const pr = o.prefix as { addr?: string; len?: number };
    return `${pr.addr}/${pr.len}`;
  }
  return JSON.stringify(right);
}
