// What a dial outcome means on this host, given who listens where. The same RST means "Postfix
// is down" when nothing listens, "loopback-only" when Postfix binds 127.0.0.1 only, and "a
// firewall REJECT" when Postfix binds every address.

import { parseIp } from '../facts/cidr.js';
import { isWildcardAddress } from '../facts/ss.js';
import { isPostfixListener } from '../facts/listeners.js';
import { allLoopback, listenersOn } from './smtp-ports.js';
import type { Facts } from '../facts/types.js';
import type { DialResult } from '../core/dial.js';

export interface DialMeaning {
  status: 'ok' | 'warn' | 'fail' | 'unknown';
  cause?: string;
  /** One line on what the outcome says, for evidence. */
  why: string;
  /** A few words for a title: `dropped`, `refused`, `no greeting`. */
  short: string;
}

export function meaningOf(facts: Facts, r: DialResult): DialMeaning {
  // Whatever answers on a port another program holds, it is not Postfix answering.
  if (r.outcome === 'banner' || r.outcome === 'banner-timeout') {
    const foreign = foreignHolder(facts, r.port);
    if (foreign) return foreign;
  }
  switch (r.outcome) {
    case 'banner':
      if (r.code === 220) return { status: 'ok', why: 'greets', short: 'greets' };
      return { status: 'fail', cause: 'smtp-banner-rejects', why: `greets with a refusal: ${r.banner ?? r.code}`, short: `greets with ${r.code}` };
    case 'banner-timeout':
      return { status: 'fail', cause: 'smtp-no-banner', why: 'accepts the connection but sends no greeting (a stuck smtpd, a proxy, or smtpd waiting on a DNS lookup of the client)', short: 'connects but never greets' };
    case 'timeout':
      return { status: 'fail', cause: 'firewall-blocks-smtp', why: 'SYN unanswered: a firewall DROPs it', short: 'is dropped (timeout)' };
    case 'unreachable':
      return { status: 'fail', cause: 'firewall-blocks-smtp', why: `ICMP ${r.detail ?? 'unreachable'}: a firewall rejects it (nftables/firewalld "reject", admin-prohibited)`, short: 'is rejected (ICMP unreachable)' };
    case 'refused':
      return refused(facts, r);
    default:
      return { status: 'unknown', why: `connection failed: ${r.detail ?? 'unknown error'}`, short: 'fails' };
  }
}

function foreignHolder(facts: Facts, port: number): DialMeaning | null {
  const held = listenersOn(facts, port);
  const other = held.find((l) => l.pid !== null && !isPostfixListener(facts, l));
  if (!other || held.some((l) => isPostfixListener(facts, l))) return null;
  const mta = facts.otherMtas.find((m) => m.pid === other.pid);
  const who = `${other.process ?? '?'} (pid ${other.pid})`;
  return { status: 'fail', cause: mta ? 'port-held-by-mta' : 'port-held-by-unknown', why: `answered by ${who}, not Postfix`, short: `is answered by ${who}, not Postfix` };
}

function refused(facts: Facts, r: DialResult): DialMeaning {
  const held = listenersOn(facts, r.port);
  if (held.length === 0) {
    if (!facts.postfix.installed) return { status: 'fail', cause: 'postfix-not-installed', why: 'nothing listens (Postfix is not installed)', short: 'is refused' };
    if (!facts.postfix.running) return { status: 'fail', cause: 'postfix-stopped', why: 'nothing listens: Postfix is not running', short: 'is refused' };
    return { status: 'fail', cause: 'smtp-service-disabled', why: 'nothing listens, though Postfix master runs', short: 'is refused' };
  }
  const target = parseIp(r.host);
  const family = target?.family ?? 4;
  const covers = held.some((l) => l.address === r.host || (isWildcardAddress(l.address) && (l.address === '*' || l.family === family)));
  if (covers) return { status: 'fail', cause: 'firewall-blocks-smtp', why: 'TCP reset although a listener covers this address: a firewall REJECTs with tcp-reset', short: 'is refused (TCP reset)' };
  if (allLoopback(held)) return { status: 'fail', cause: 'loopback-only', why: 'refused: the port is bound to loopback only', short: 'is refused' };
  return { status: 'ok', why: `not served on this address (listeners: ${held.map((l) => l.address).join(', ')})`, short: 'is not served' };
}
