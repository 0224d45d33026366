// Would `inet_interfaces = all` make this an open relay? A pure function of the Postfix
// parameters, the access tables they name, and the host's own networks, so `plan` can refuse
// the change before making it.
//
// Postfix checks smtpd_relay_restrictions, then smtpd_recipient_restrictions, at RCPT TO. A list
// is safe when reject_unauth_destination (or defer_…, reject, defer) comes before anything a
// stranger could pass: `permit`, permit_mynetworks with a mynetworks that covers strangers, a
// client access table that says OK to every address, or a sender/HELO table that says OK to
// anything at all (strangers choose their own sender and HELO).

import { ACCESS_CHECKS } from './access-tables.js';
import { cidrContains, formatCidr, parseCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import type { NetworkFacts, RelayFacts } from './types.js';

const STOPS = new Set(['reject_unauth_destination', 'defer_unauth_destination', 'reject', 'defer', 'defer_if_permit']);

type ListVerdict = { kind: 'safe' } | { kind: 'unsafe'; why: string } | { kind: 'neutral' };

export function deriveRelay(params: Record<string, string>, network: NetworkFacts, tables: ReadonlyMap<string, string> = new Map()): RelayFacts {
  const reasons: string[] = [];
  const wide = wideNetworks(params.mynetworks ?? '', network);
  for (const w of wide) reasons.push(`mynetworks entry ${w} is wider than this host's own networks`);
  const mynetworksTooWide = wide.length > 0;

  const relay = judgeList(params.smtpd_relay_restrictions ?? '', mynetworksTooWide, tables);
  const recipient = judgeList(params.smtpd_recipient_restrictions ?? '', mynetworksTooWide, tables);
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

function judgeList(value: string, mynetworksTooWide: boolean, tables: ReadonlyMap<string, string>): ListVerdict {
  const tokens = value.split(/[\s,]+/).filter(Boolean);
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    if (STOPS.has(token)) return { kind: 'safe' };
    if (token === 'permit') return { kind: 'unsafe', why: '`permit` comes before reject_unauth_destination' };
    if (token === 'permit_mynetworks' && mynetworksTooWide) return { kind: 'unsafe', why: 'permit_mynetworks with a mynetworks that covers strangers' };
    if (ACCESS_CHECKS.has(token)) {
      const spec = tokens[i + 1] ?? '';
      const why = strangerPermit(token, spec, tables.get(spec));
      if (why) return { kind: 'unsafe', why };
      i++;
    }
  }
  return { kind: 'neutral' };
}

// Postfix access actions that let the request through: OK, RELAY, or an all-numeric response.
const OK_ACTION = /^(OK|RELAY|PERMIT|\d+)\b/i;
const MATCH_ALL_CIDR = new Set(['0.0.0.0/0', '::/0', '[::]/0', '0/0']);
const MATCH_ALL_REGEXP = /^\/(\^?\.?\*?|\.\*?|\^)\/[a-z]*$/;

/** Why a stranger passes this access check, or null. Unknown table contents are not guessed. */
function strangerPermit(check: string, spec: string, text: string | undefined): string | null {
  if (text === undefined) return null;
  const type = spec.split(':')[0] ?? '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (!m || !OK_ACTION.test(m[2] as string) || /^[45]\d\d/.test(m[2] as string)) continue;
    const key = m[1] as string;
    if (check === 'check_sender_access' || check === 'check_helo_access') return `${check} ${spec} says OK to "${key}", and strangers choose their own ${check === 'check_helo_access' ? 'HELO' : 'sender'}`;
    if (type === 'cidr' && MATCH_ALL_CIDR.has(key)) return `${check} ${spec} says OK to ${key}, which is everyone`;
    if ((type === 'regexp' || type === 'pcre') && MATCH_ALL_REGEXP.test(key)) return `${check} ${spec} says OK to ${key}, which matches everyone`;
  }
  return null;
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
