// A domain this host receives mail for, where postmaster must exist: what "mail to postmaster
// accepted up to RCPT" is tried against (the mail probe, the end-of-run proof, the `mail` check).

import type { Facts } from './types.js';

/** The name the dialogue introduces itself with: how its own session is found in the log. */
export const PROBE_HELO = 'postfix-fix.invalid';

/**
 * A domain this host delivers to itself, so RCPT TO:<postmaster@it> needs no relaying: postmaster
 * must exist at every domain a server receives mail for (RFC 5321 §4.5.1). null when the host
 * receives for none (a null client): there is nothing to test.
 */
export function localDomain(facts: Facts): string | null {
  const p = facts.postfix.params;
  const plain = (list: string | undefined): string[] =>
    (list ?? '')
      .split(/[\s,]+/)
      .map((d) => d.trim().toLowerCase())
      .filter((d) => d !== '' && !d.includes(':') && !d.includes('$') && !d.startsWith('/') && d.includes('.'));
  const local = plain(p.mydestination);
  const own = (p.myhostname ?? '').toLowerCase();
  if (own && local.includes(own)) return own;
  return local[0] ?? plain(p.virtual_alias_domains)[0] ?? plain(p.virtual_mailbox_domains)[0] ?? null;
}
