// inet_interfaces and inet_protocols against the interfaces this host really has. Postfix binds
// what inet_interfaces names: loopback-only means no one else can connect, and an address the
// host does not have stops Postfix at start ("no local interface found for …").

import { factFailed } from '../facts/gather.js';
import { isLoopbackIp, parseIp } from '../facts/cidr.js';
import { LOOPBACK_WORDS, inetInterfaceTokens, ownAddresses, splitInetInterfaces } from '../facts/inet-interfaces.js';
import { ok, problem, unknown } from './finding.js';
import type { Facts } from '../facts/types.js';
import type { Finding, Probe } from './types.js';

export const inetConfigProbe: Probe = {
  name: 'inet_interfaces',
  description: 'inet_interfaces and inet_protocols against the host\'s interfaces',
  timeoutMs: 500,
  causes: ['loopback-only', 'inet-interfaces-unknown-address', 'inet-protocols-ipv6-missing'],
  async run(ctx) {
    const { facts } = ctx;
    if (!facts.postfix.installed) return [];
    const failed = factFailed(facts, 'postfix.params');
    if (failed) return [unknown('inet_interfaces', 'could not read inet_interfaces / inet_protocols', [failed])];
    return [...judgeInterfaces(facts), ...judgeProtocols(facts)];
  },
};

export function judgeInterfaces(facts: Facts): Finding[] {
  const value = (facts.postfix.params.inet_interfaces ?? '').trim();
  const tokens = inetInterfaceTokens(value);
  if (tokens.length === 0 || tokens.includes('all')) return [ok('inet_interfaces', `inet_interfaces = ${value || 'all'}: Postfix listens on every interface`)];
  const literal = (t: string): string => t.replace(/^\[|\]$/g, '');
  const own = ownAddresses(facts);
  const { missing } = splitInetInterfaces(value, own);
  const out: Finding[] = [];
  if (missing.length > 0 && facts.network.interfaces.length > 0) {
    out.push(
      problem('fail', 'inet_interfaces', 'inet-interfaces-unknown-address', [
        `inet_interfaces = ${value}`,
        `this host has no address ${missing.join(', ')} (it has: ${[...own].join(', ') || 'none'})`,
        'Postfix refuses to start: "fatal: parameter inet_interfaces: no local interface found for …"',
      ]),
    );
  }
  const loopbackOnly = tokens.every((t) => LOOPBACK_WORDS.has(t) || (parseIp(literal(t)) !== null && isLoopbackIp(literal(t))));
  if (loopbackOnly) {
    out.push(problem('fail', 'inet_interfaces', 'loopback-only', [`inet_interfaces = ${value}: only this host itself can connect`], { title: `inet_interfaces = ${value}: Postfix accepts connections from this host only` }));
  } else if (out.length === 0) {
    out.push(ok('inet_interfaces', `inet_interfaces = ${value}: addresses present on this host`));
  }
  return out;
}

export function judgeProtocols(facts: Facts): Finding[] {
  const value = (facts.postfix.params.inet_protocols ?? 'all').trim();
  const wantsV6 = /\b(all|ipv6)\b/.test(value);
  if (wantsV6 && !facts.network.ipv6Available && !factFailed(facts, 'network')) {
    // `localhost` is ::1 too (/etc/hosts), and an IPv6 literal is one: with IPv6 off Postfix
    // cannot bind them and refuses to start. With `all` or `loopback-only` it carries on in IPv4.
    const ii = (facts.postfix.params.inet_interfaces ?? '').split(/[\s,]+/);
    const namesV6 = ii.filter((t) => t === 'localhost' || t.includes(':'));
    if (namesV6.length > 0) {
      return [
        problem('fail', 'inet_interfaces', 'inet-protocols-ipv6-missing', [
          `inet_protocols = ${value} and inet_interfaces = ${facts.postfix.params.inet_interfaces}, but this host has no IPv6 (disabled or absent)`,
          `${namesV6.join(', ')} ${namesV6.length === 1 && namesV6[0] === 'localhost' ? 'includes ::1' : 'is IPv6'}: Postfix refuses to start ("fatal: parameter inet_interfaces: no local interface found for ::1")`,
        ], { title: 'inet_protocols includes IPv6 on a host without IPv6: Postfix cannot start' }),
      ];
    }
    return [
      problem('warn', 'inet_interfaces', 'inet-protocols-ipv6-missing', [
        `inet_protocols = ${value}, but no interface has an IPv6 address (IPv6 disabled or absent)`,
        'Postfix 3.x falls back to IPv4 with a warning; an explicit IPv6 address in inet_interfaces or mynetworks makes it fail',
      ]),
    ];
  }
  return [ok('inet_interfaces', `inet_protocols = ${value}${wantsV6 ? '; IPv6 is available' : ''}`)];
}
