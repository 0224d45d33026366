// Would `inet_interfaces = all` make this an open relay? A pure function of the Postfix
// parameters and the host's own networks, so `plan` can refuse the change before making it.
//
// Postfix checks smtpd_relay_restrictions, then smtpd_recipient_restrictions, at RCPT TO. A list
// is safe when reject_unauth_destination (or defer_…, reject, defer) comes before anything a
// stranger could pass: `permit`, or permit_mynetworks with a mynetworks that covers strangers.

import { cidrContains, formatCidr, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import type { NetworkFacts, RelayFacts } from './types.js';

const STOPS = new Set(['reject_unauth_destination', 'defer_unauth_destination', 'reject', 'defer', 'defer_if_permit']);
// Restrictions a stranger cannot pass (they need auth, a client cert, or a local destination).
const HARMLESS_PERMITS = new Set(['permit_sasl_authenticated', 'permit_tls_clientcerts', 'permit_tls_all_clientcerts', 'permit_auth_destination', 'permit_mx_backup']);

type ListVerdict = { kind: 'safe' } | { kind: 'unsafe'; why: string } | { kind: 'neutral' };

export function deriveRelay(params: Record<string, string>, network: NetworkFacts): RelayFacts {
  const reasons: string[] = [];
  const wide = wideNetworks(params.mynetworks ?? '', network);
  for (const w of wide) reasons.push(`mynetworks entry ${w} is wider than this host's own networks`);
  const mynetworksTooWide = wide.length > 0;

  const relay = judgeList(params.smtpd_relay_restrictions ?? '', mynetworksTooWide);
  const recipient = judgeList(params.smtpd_recipient_restrictions ?? '', mynetworksTooWide);
  let restrictionsSafe: boolean;
  if (relay.kind === 'safe') restrictionsSafe = true;
  else if (relay.kind === 'unsafe') {
    restrictionsSafe = false;
    reasons.push(`smtpd_relay_restrictions: ${relay.why}`);
  } else if (recipient.kind === 'safe') restrictionsSafe = true;
  else {
    restrictionsSafe = false;
    reasons.push(
      recipient.kind === 'unsafe'
        ? `smtpd_recipient_restrictions: ${recipient.why}`
        : 'neither smtpd_relay_restrictions nor smtpd_recipient_restrictions rejects unauthorised destinations',
    );
  }
  return { mynetworksTooWide, restrictionsSafe, safe: !mynetworksTooWide && restrictionsSafe, reasons };
}

function judgeList(value: string, mynetworksTooWide: boolean): ListVerdict {
  for (const token of value.split(/[\s,]+/).filter(Boolean)) {
    if (STOPS.has(token)) return { kind: 'safe' };
    if (token === 'permit') return { kind: 'unsafe', why: '`permit` comes before reject_unauth_destination' };
    if (token === 'permit_mynetworks' && mynetworksTooWide) return { kind: 'unsafe', why: 'permit_mynetworks with a mynetworks that covers strangers' };
    if (HARMLESS_PERMITS.has(token)) continue;
  }
  return { kind: 'neutral' };
}

/** mynetworks entries (CIDR or address) not inside any network of the host, loopback included. */
export function wideNetworks(mynetworks: string, network: NetworkFacts): string[] {
  const own: Cidr[] = [parseCidr('127.0.0.0/8') as Cidr, parseCidr('::1/128') as Cidr, parseCidr('::ffff:127.0.0.0/104') as Cidr];
  for (const i of network.interfaces) for (const a of i.addresses) {
    const c = parseCidr(`${a.address}/${a.prefixLength}`);
    if (c) own.push(c);
  }
  const out: string[] = [];
  for (const entry of mynetworks.split(/[\s,]+/).filter(Boolean)) {
    // Tables (hash:/…), files (/path) and hostnames cannot be judged here; leave them be.
    const c = parseCidr(entry);
    if (!c) continue;
    if (c.prefix === 0 || !own.some((o) => cidrContains(o, c))) out.push(c.prefix === 0 ? entry : formatCidrLike(entry, c));
  }
  return out;
}

function formatCidrLike(entry: string, c: Cidr): string {
  return entry.includes('/') ? entry : formatCidr(c);
}
