// The access tables the relay restrictions consult (`check_client_access cidr:/etc/postfix/x`):
// which ones, and their text, so the relay judgement can see a `0.0.0.0/0 OK` that turns
// "defer_unauth_destination" into an open relay. Indexed tables (hash:, lmdb:, …) are judged by
// their postmap source file, the path without the .db.

import type { HostFs } from '../core/host-fs.js';

export const ACCESS_CHECKS = new Set([
  'check_client_access',
  'check_reverse_client_name_access',
  'check_client_a_access',
  'check_sender_access',
  'check_helo_access',
  'check_recipient_access',
]);

const RESTRICTION_PARAMS = ['smtpd_relay_restrictions', 'smtpd_recipient_restrictions'] as const;
const READABLE_TYPES = new Set(['cidr', 'regexp', 'pcre', 'texthash', 'hash', 'btree', 'lmdb', 'cdb', 'dbm', 'sdbm']);

/** `TYPE:PATH` of every table an access check in the relay restrictions names. */
export function accessTablesIn(params: Record<string, string>): string[] {
  const out: string[] = [];
  for (const p of RESTRICTION_PARAMS) {
    const tokens = (params[p] ?? '').split(/[\s,]+/).filter(Boolean);
    tokens.forEach((t, i) => {
      const table = tokens[i + 1];
      if (ACCESS_CHECKS.has(t) && table && !out.includes(table)) out.push(table);
    });
  }
  return out;
}

/** The tables' source text, by `TYPE:PATH`; unreadable or unknown types are left out. */
export async function readAccessTables(fs: HostFs, specs: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await Promise.all(
    specs.map(async (spec) => {
      const m = /^([a-z0-9]+):(\/.+)$/.exec(spec);
      if (!m || !READABLE_TYPES.has(m[1] as string)) return;
      const text = await fs.tryReadText(m[2] as string).catch(() => null);
      if (text !== null) out.set(spec, text);
    }),
  );
  return out;
}
