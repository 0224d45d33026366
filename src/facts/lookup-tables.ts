// Indexed lookup tables (hash:, btree:, lmdb:, cdb:) Postfix reads: from a text source the admin
// edits, `postmap` (or `newaliases`, for the alias database) builds the file Postfix opens. One
// never built, or older than its source, is a classic refusal: smtpd answers every RCPT with
// `451 4.3.5 Server configuration error` while the banner looks normal. Read from every
// parameter of main.cf (`postconf -x`, defaults included) and every `-o` override in master.cf
// (`postconf -Px`), so a table named only for one service counts too.

import type { HostContext } from '../core/context.js';
import type { HostFs } from '../core/host-fs.js';
import { FactUnavailable, describeFailure, runTool } from './context.js';

export type IndexedType = 'hash' | 'btree' | 'lmdb' | 'cdb' | 'dbm' | 'sdbm';

export interface LookupTable {
  /** As written: `hash:/etc/postfix/client_access`. */
  spec: string;
  type: IndexedType;
  /** The text the admin edits. */
  source: string;
  /** The file Postfix opens. */
  compiled: string;
  /** Where it is named: `smtpd_client_restrictions`, `smtp/inet/smtpd_client_restrictions`. */
  usedBy: string[];
  /** Built from the aliases file by `newaliases` rather than `postmap`. */
  aliases: boolean;
  state: 'current' | 'missing' | 'stale';
  sourceMtimeMs: number;
  compiledMtimeMs: number | null;
}

const SUFFIX: Readonly<Record<IndexedType, string>> = { hash: '.db', btree: '.db', lmdb: '.lmdb', cdb: '.cdb', dbm: '.pag', sdbm: '.pag' };

/** Databases Postfix writes itself (caches): there is no source to build them from. */
const SELF_WRITTEN = /(_cache_map|_cache_database|^proxy_write_maps)$/;

/** `type:path` specs in a parameter value, `proxy:` unwrapped; `{ ... }` inline tables skipped. */
export function tableSpecs(value: string): Array<{ type: IndexedType; path: string; spec: string }> {
  const out: Array<{ type: IndexedType; path: string; spec: string }> = [];
  for (const m of value.matchAll(/(?:^|[\s,{}])(?:proxy:)?(hash|btree|lmdb|cdb|dbm|sdbm):(\/[^\s,{}]+)/g)) {
    out.push({ type: m[1] as IndexedType, path: m[2] as string, spec: `${m[1]}:${m[2]}` });
  }
  return out;
}

/** `name = value` lines of `postconf -x` / `postconf -Px` (service/type/name = value). */
export function parameterLines(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+) = (.*)$/.exec(line);
    if (m) out.push([m[1] as string, m[2] as string]);
  }
  return out;
}

export async function judgeTables(fs: HostFs, params: ReadonlyArray<[string, string]>): Promise<LookupTable[]> {
  const byCompiled = new Map<string, { type: IndexedType; source: string; spec: string; usedBy: Set<string>; aliases: boolean }>();
  for (const [name, value] of params) {
    if (SELF_WRITTEN.test(name.split('/').pop() ?? name)) continue;
    for (const t of tableSpecs(value)) {
      const compiled = `${t.path}${SUFFIX[t.type]}`;
      const entry = byCompiled.get(compiled) ?? { type: t.type, source: t.path, spec: t.spec, usedBy: new Set<string>(), aliases: false };
      entry.usedBy.add(name);
      if (/(^|\/)alias_(maps|database)$/.test(name)) entry.aliases = true;
      byCompiled.set(compiled, entry);
    }
  }
  const tables = await Promise.all(
    [...byCompiled.entries()].map(async ([compiled, e]): Promise<LookupTable | null> => {
      const [src, db] = await Promise.all([fs.stat(e.source), fs.stat(compiled)]);
      // No source, nothing to build from: a database Postfix maintains, or one shipped built.
      if (!src || !src.isFile) return null;
      const state = !db ? 'missing' : db.mtimeMs < src.mtimeMs ? 'stale' : 'current';
      return { spec: e.spec, type: e.type, source: e.source, compiled, usedBy: [...e.usedBy].sort(), aliases: e.aliases, state, sourceMtimeMs: src.mtimeMs, compiledMtimeMs: db ? db.mtimeMs : null };
    }),
  );
  return tables.filter((t): t is LookupTable => t !== null);
}

/** Every indexed table this Postfix reads, and whether its compiled file is current. */
export async function scanLookupTables(ctx: HostContext, configDir: string): Promise<LookupTable[]> {
  const [main, master] = await Promise.all([runTool(ctx, ['postconf', '-c', configDir, '-x'], 3_000), runTool(ctx, ['postconf', '-c', configDir, '-Px'], 3_000)]);
  if (main.exitCode !== 0) throw new FactUnavailable(describeFailure(main));
  // An old Postfix without -P has no per-service overrides to read: main.cf alone then.
  const services = master.exitCode === 0 ? parameterLines(master.stdout) : [];
  return judgeTables(ctx.fs, [...parameterLines(main.stdout), ...services]);
}
