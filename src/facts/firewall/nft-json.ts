// `nft -j list ruleset` → tables, chains, rules and named sets, plus which backend owns each
// table: iptables-nft keeps its tables in the ip/ip6 families under the legacy table names
// (`ip filter` with chains INPUT/FORWARD/OUTPUT), firewalld owns `firewalld`, anything else is
// native nftables.

import type { FirewallBackend } from '../types.js';

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
  for (const item of data.nftables as Array<Record<string, Record<string, unknown>>>) {
    if (item.table) {
      const { family, name } = item.table as { family: string; name: string };
      tables.push({ family, name, owner: tableOwner(family, name) });
    } else if (item.chain) {
      const c = item.chain as Record<string, unknown>;
      const key = chainKey(String(c.family), String(c.table), String(c.name));
      chains.set(key, {
        family: String(c.family),
        table: String(c.table),
        name: String(c.name),
        hook: typeof c.hook === 'string' ? c.hook : null,
        type: typeof c.type === 'string' ? c.type : null,
        prio: typeof c.prio === 'number' ? c.prio : 0,
        policy: typeof c.policy === 'string' ? c.policy : null,
        rules: [],
      });
    } else if (item.rule) {
      const r = item.rule as Record<string, unknown>;
      const chain = chains.get(chainKey(String(r.family), String(r.table), String(r.chain)));
      if (chain) chain.rules.push({ handle: typeof r.handle === 'number' ? r.handle : null, expr: Array.isArray(r.expr) ? r.expr : [] });
    } else if (item.set || item.map) {
      const s = (item.set ?? item.map) as Record<string, unknown>;
      sets.set(chainKey(String(s.family), String(s.table), String(s.name)), Array.isArray(s.elem) ? s.elem : []);
    }
  }
  return { tables, chains, sets };
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
