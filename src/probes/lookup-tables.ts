// Lookup tables whose compiled file is missing or older than its text source. Postfix opens the
// compiled file: a `.db` never built makes smtpd refuse mail (451 4.3.5) behind a normal banner;
// one older than its source keeps old entries in force (a block lifted in the text still
// refuses). Only tables with a text source to build from are judged.

import { ok, problem } from './finding.js';
import { judgeTables } from '../facts/lookup-tables.js';
import type { LookupTable } from '../facts/lookup-tables.js';
import type { Finding, Probe } from './types.js';

export const lookupTablesProbe: Probe = {
  name: 'lookup_tables',
  description: 'indexed lookup tables (hash:, lmdb:, cdb:, btree:) built and current',
  timeoutMs: 1_500,
  causes: ['lookup-table-not-built'],
  async run(ctx) {
    const { postfix } = ctx.facts;
    if (!postfix.installed) return [];
    const overrides = postfix.services.flatMap((sv) => Object.entries(sv.params).map(([k, v]): [string, string] => [`${sv.service}/${sv.type}/${k}`, v]));
    const tables = await judgeTables(ctx.fs, [...Object.entries(postfix.params), ...overrides]);
    const bad = tables.filter((t) => t.state !== 'current');
    if (bad.length === 0) return [ok('lookup_tables', tables.length > 0 ? `${tables.length} lookup table(s) built and current` : 'no indexed lookup table to build', tables.map(describeTable))];
    return bad.map((t) => judged(t, Date.now()));
  },
};

export function describeTable(t: LookupTable): string {
  const built = t.compiledMtimeMs === null ? `${t.compiled} missing` : `${t.compiled} ${t.state === 'stale' ? 'older than its source' : 'current'}`;
  return `${t.spec} (${t.usedBy.join(', ')}): ${built}`;
}

function judged(t: LookupTable, now: number): Finding {
  const build = t.aliases ? 'newaliases' : `postmap ${t.spec}`;
  const evidence = [describeTable(t), `source ${t.source} changed ${relativeAge(now - t.sourceMtimeMs)} ago${t.compiledMtimeMs === null ? '' : `; ${t.compiled} built ${relativeAge(now - t.compiledMtimeMs)} ago`}`, `fix: ${build}, then postfix reload (running smtpd processes keep a failed open)`];
  if (t.state === 'missing') {
    return problem('fail', 'lookup_tables', 'lookup-table-not-built', evidence, { title: `${t.spec} was never built: ${t.compiled} is missing (Postfix refuses what needs it with 451 4.3.5)` });
  }
  return problem('warn', 'lookup_tables', 'lookup-table-not-built', evidence, { title: `${t.spec} is older than its source: edits to ${t.source} are not in effect` });
}

/** "3 min", "2 h", "5 days": how long ago, for evidence lines a person reads. */
function relativeAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3600)} h`;
  return `${Math.round(s / 86_400)} days`;
}
