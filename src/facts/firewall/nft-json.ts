// `nft -j list ruleset` → tables, chains, rules and named sets, plus which backend owns each
// table: iptables-nft keeps its tables in the ip/ip6 families under the legacy table names
// (`ip filter` with chains INPUT/FORWARD/OUTPUT), firewalld owns `firewalld`, anything else is
// native nftables.

import type { FirewallBackend } from '../../core/profile.js';

export interface NftChain {
  family: string;
  table: string;
  name: string;
  hook: string | null;
  type: string | null;
  prio: number;
  policy: string | null;
  rules: NftRule[];
}

export interface NftRule {
  handle: number | null;
  expr: unknown[];
}

export interface NftRuleset {
  tables: Array<{ family: string; name: string; owner: FirewallBackend }>;
  chains: Map<string, NftChain>;
  /** Named sets by `family/table/name` → their elements (as JSON). */
  sets: Map<string, unknown[]>;
}

/** A name from nft's JSON as text; String() would throw on an object carrying its own `toString`. */
export function nameOf(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : (JSON.stringify(v) ?? '');
}

export function chainKey(family: string, table: string, name: string): string {
  return `${family}/${table}/${name}`;
}

const IPTABLES_TABLES = new Set(['filter', 'nat', 'mangle', 'raw', 'security']);
const IPTABLES_FAMILIES = new Set(['ip', 'ip6', 'arp', 'bridge']);

export function tableOwner(family: string, name: string): FirewallBackend {
  if (name === 'firewalld') return 'firewalld';
  if (IPTABLES_FAMILIES.has(family) && IPTABLES_TABLES.has(name)) return 'iptables-nft';
  return 'nftables';
}

export function parseNftJson(text: string): NftRuleset {
  const data = JSON.parse(text) as { nftables?: unknown };
  if (!data || !Array.isArray(data.nftables)) throw new Error('nft -j: expected {"nftables": [...]}');
  const tables: NftRuleset['tables'] = [];
  const chains = new Map<string, NftChain>();
  const sets = new Map<string, unknown[]>();
  for (const item of data.nftables as Array<Record<string, Record<string, unknown>> | null>) {
    // Whatever nft prints, a malformed entry is skipped, never dereferenced.
    if (item === null || typeof item !== 'object') continue;
    if (item.table && typeof item.table === 'object') {
      const { family, name } = item.table as { family: string; name: string };
      tables.push({ family, name, owner: tableOwner(family, name) });
    } else if (item.chain && typeof item.chain === 'object') {
      const c = item.chain as Record<string, unknown>;
      const key = chainKey(nameOf(c.family), nameOf(c.table), nameOf(c.name));
      chains.set(key, {
        family: nameOf(c.family),
        table: nameOf(c.table),
        name: nameOf(c.name),
        hook: typeof c.hook === 'string' ? c.hook : null,
        type: typeof c.type === 'string' ? c.type : null,
        prio: typeof c.prio === 'number' ? c.prio : 0,
        policy: typeof c.policy === 'string' ? c.policy : null,
        rules: [],
      });
    } else if (item.rule && typeof item.rule === 'object') {
      const r = item.rule as Record<string, unknown>;
      const chain = chains.get(chainKey(nameOf(r.family), nameOf(r.table), nameOf(r.chain)));
      if (chain) chain.rules.push({ handle: typeof r.handle === 'number' ? r.handle : null, expr: Array.isArray(r.expr) ? r.expr.map(readable) : [] });
    } else if ((item.set && typeof item.set === 'object') || (item.map && typeof item.map === 'object')) {
      const s = (item.set ?? item.map) as Record<string, unknown>;
      sets.set(chainKey(nameOf(s.family), nameOf(s.table), nameOf(s.name)), Array.isArray(s.elem) ? s.elem : []);
    }
  }
  return { tables, chains, sets };
}

/**
 * A statement the evaluators may look into: one object whose match/jump/goto/vmap body is an
 * object. Anything else becomes an `unreadable` statement, which they judge "unknown" rather than
 * guess (or trip over a null).
 */
function readable(e: unknown): unknown {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return { unreadable: JSON.stringify(e) ?? String(e) };
  const [kind] = Object.keys(e);
  const body = kind === undefined ? undefined : (e as Record<string, unknown>)[kind];
  if (kind === undefined || (['match', 'jump', 'goto', 'vmap'].includes(kind) && (body === null || typeof body !== 'object'))) return { unreadable: JSON.stringify(e) };
  return e;
}

/** Rules and non-accept policies in the tables a backend owns. */
export function countNftRules(rs: NftRuleset, owner: FirewallBackend): number {
  let n = 0;
  for (const c of rs.chains.values()) {
    if (tableOwner(c.family, c.table) !== owner) continue;
    n += c.rules.length;
    if (c.hook !== null && c.policy !== null && c.policy !== 'accept') n++;
  }
  return n;
}
