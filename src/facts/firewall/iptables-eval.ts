// Walk the filter table's INPUT chain the way the kernel would for our PacketModel, following
// jumps into user chains (ufw's live there). Each rule is matched three-valued: a match we cannot
// interpret makes the rule's outcome unknown, and an unknown terminal rule makes the verdict
// unknown rather than a guess. The walk records where it decided (chain and rule) and whose chain
// that is, so a planner can place a rule there and diagnose can say who refused a client.

import { parseCidr, cidrContains } from '../cidr.js';
import { ifaceMatches, iptablesChainOwner, triAnd, triNot } from './packet.js';
import type { DecidedAt, Decision, PacketModel, RuleOwner, Trace, Tri } from './packet.js';
import { hasChainPrefix } from './iptables-save.js';
import type { IptablesChain, IptablesSave } from './iptables-save.js';

const NON_TERMINAL_TARGETS = new Set(['LOG', 'NFLOG', 'ULOG', 'MARK', 'CONNMARK', 'TRACE', 'AUDIT', 'NOTRACK', 'CT']);
const MAX_DEPTH = 32;

type Walked = { verdict: Decision['verdict']; detail: string; at: DecidedAt | null };
type ChainResult = Walked | { verdict: 'return' } | { verdict: 'fallthrough' };

export function evaluateIptablesInput(save: IptablesSave, packet: PacketModel): Decision {
  const { verdict, detail } = traceIptablesInput(save, packet);
  return { verdict, detail };
}

/** evaluateIptablesInput, and where it was decided, by whose rule. */
export function traceIptablesInput(save: IptablesSave, packet: PacketModel): Trace {
  const filter = save.tables.get('filter');
  const input = filter?.chains.get('INPUT');
  if (!filter || !input) return { verdict: 'allow', detail: 'no filter INPUT chain', at: null, owner: null };
  const r = walk(filter.chains, 'INPUT', input, packet, 0);
  if (r.verdict === 'return' || r.verdict === 'fallthrough') {
    const policy = input.policy ?? 'ACCEPT';
    const at = { chain: 'INPUT', rule: null };
    return { verdict: policy === 'ACCEPT' ? 'allow' : policy === 'DROP' ? 'drop' : 'unknown', detail: `policy ${policy} of INPUT`, at, owner: iptablesOwner(save, at) };
  }
  return { ...r, owner: r.at ? iptablesOwner(save, r.at) : null };
}

/** Whose rule decided: a tool's own chain, or INPUT's policy when ufw runs (ufw sets it). */
export function iptablesOwner(save: IptablesSave, at: DecidedAt): RuleOwner {
  if (at.rule === null && at.chain === 'INPUT' && (hasChainPrefix(save, 'ufw-') || hasChainPrefix(save, 'ufw6-'))) return 'ufw';
  return iptablesChainOwner(at.chain);
}

function walk(chains: Map<string, IptablesChain>, name: string, chain: IptablesChain, packet: PacketModel, depth: number): ChainResult {
  if (depth > MAX_DEPTH) return { verdict: 'unknown', detail: `chain ${name}: jumps nest deeper than ${MAX_DEPTH}`, at: null };
  for (const [index, rule] of chain.rules.entries()) {
    const { matched, target, goto, rejectWith } = matchRule(rule.args, packet);
    if (matched === false || target === null) continue;
    if (target !== null && NON_TERMINAL_TARGETS.has(target)) continue;
    const at = { chain: name, rule: index };
    if (matched === 'unknown') return { verdict: 'unknown', detail: `cannot evaluate: ${rule.text}`, at };
    if (target === 'ACCEPT') return { verdict: 'allow', detail: rule.text, at };
    if (target === 'DROP') return { verdict: 'drop', detail: rule.text, at };
    if (target === 'REJECT') return { verdict: 'reject', detail: `${rule.text}${rejectWith ? '' : ' (icmp-port-unreachable)'}`, at };
    if (target === 'RETURN') return { verdict: 'return' };
    const sub = chains.get(target);
    if (!sub) return { verdict: 'unknown', detail: `unsupported target ${target}: ${rule.text}`, at };
    const r = walk(chains, target, sub, packet, depth + 1);
    if (r.verdict === 'return' || r.verdict === 'fallthrough') {
      if (goto) return { verdict: 'return' };
      continue;
    }
    return r;
  }
  return { verdict: 'fallthrough' };
}

interface RuleMatch {
  matched: Tri;
  target: string | null;
  goto: boolean;
  rejectWith: string | null;
}

function matchRule(args: readonly string[], p: PacketModel): RuleMatch {
  let matched: Tri = true;
  let target: string | null = null;
  let goto = false;
  let rejectWith: string | null = null;
  let negate = false;
  const take = (i: number): string => args[i + 1] ?? '';
  for (let i = 0; i < args.length; i++) {
    const opt = args[i] as string;
    if (opt === '!') {
      negate = true;
      continue;
    }
    let m: Tri | null = null; // null: an option that does not match anything (target options, -m)
    let skip = 1;
    switch (opt) {
      case '-p':
      case '--protocol': {
        const v = take(i).toLowerCase();
        m = v === 'tcp' || v === '6' || v === 'all' || v === '0';
        break;
      }
      case '-i':
      case '--in-interface':
        m = ifaceMatches(take(i), p.iface);
        break;
      case '-s':
      case '--source':
        m = p.src === undefined ? coversEverything(take(i)) : sourceMatches(take(i), p.src);
        break;
      case '-d':
      case '--destination':
        m = destinationMatches(take(i), p);
        break;
      case '--dport':
      case '--destination-port':
        m = portInList(take(i), p.dport);
        break;
      case '--dports':
      case '--destination-ports':
      case '--ports':
        m = portInList(take(i), p.dport);
        break;
      case '--sport':
      case '--source-port':
      case '--sports':
      case '--source-ports':
        // A stranger's source port is arbitrary: a rule that needs a specific one is not for them.
        m = false;
        break;
      case '--ctstate':
      case '--state':
        m = take(i).split(',').includes('NEW');
        break;
      case '--dst-type':
        m = take(i).split(',').some((t) => t === 'LOCAL' || t === 'UNICAST');
        break;
      case '--src-type':
        m = take(i).split(',').includes('UNICAST');
        break;
      case '--syn':
        m = true;
        skip = 0;
        break;
      case '--tcp-flags':
        m = take(i + 1) === 'SYN' ? true : 'unknown';
        skip = 2;
        break;
      case '-f':
      case '--fragment':
        m = false;
        skip = 0;
        break;
      case '--icmp-type':
      case '--icmpv6-type':
        m = false;
        break;
      case '-m':
      case '--match':
        if (!KNOWN_MODULES.has(take(i))) matched = triAnd(matched, 'unknown');
        break;
      case '--limit':
      case '--limit-burst':
      case '--comment':
      case '--log-prefix':
      case '--log-level':
      case '--log-uid':
      case '--log-tcp-options':
      case '--log-ip-options':
        if (opt === '--log-uid' || opt === '--log-tcp-options' || opt === '--log-ip-options') skip = 0;
        break;
      case '--reject-with':
        rejectWith = take(i);
        break;
      case '-j':
      case '--jump':
        target = take(i);
        break;
      case '-g':
      case '--goto':
        target = take(i);
        goto = true;
        break;
      default:
        // An option we do not model (-m recent, -m set, …): say so instead of guessing.
        if (opt.startsWith('-')) {
          m = 'unknown';
          skip = args[i + 1] !== undefined && !(args[i + 1] as string).startsWith('-') ? 1 : 0;
        } else skip = 0;
    }
    if (m !== null) {
      matched = triAnd(matched, negate ? triNot(m) : m);
    }
    negate = false;
    i += skip;
  }
  return { matched, target, goto, rejectWith };
}

const KNOWN_MODULES = new Set(['tcp', 'udp', 'icmp', 'icmp6', 'multiport', 'conntrack', 'state', 'addrtype', 'comment', 'limit']);

function coversEverything(spec: string): boolean {
  const c = parseCidr(spec);
  return c !== null && c.prefix === 0;
}

function sourceMatches(spec: string, src: string): boolean {
  const net = parseCidr(spec);
  const addr = parseCidr(src);
  return net !== null && addr !== null && cidrContains(net, addr);
}

function destinationMatches(spec: string, p: PacketModel): boolean {
  const net = parseCidr(spec);
  if (!net) return false;
  if (net.prefix === 0) return true;
  return p.dstAddrs.some((a) => {
    const addr = parseCidr(a);
    return addr !== null && cidrContains(net, addr);
  });
}

/** `25`, `25:30`, `587,465`, `1000:2000,25` (multiport), `smtp` is not resolved (unknown = no). */
export function portInList(spec: string, port: number): boolean {
  return spec.split(',').some((part) => {
    const [a, b] = part.split(':');
    const lo = Number(a === '' ? 0 : a);
    const hi = b === undefined ? lo : Number(b === '' ? 65535 : b);
    return Number.isInteger(lo) && Number.isInteger(hi) && port >= lo && port <= hi;
  });
}
