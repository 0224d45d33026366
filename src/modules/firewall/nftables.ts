// Native nftables (tables that belong neither to firewalld nor to iptables-nft).
//
// Why not a table of our own, hooked at input before the blocking chain: measured in a lab host,
// an `accept` in one base chain ends only that chain; every other base chain on the hook still
// sees the packet, and a drop anywhere is final (`inet postfix_fix` at priority filter - 1 with
// `tcp dport 25 accept` beside `inet blk` dropping 25: the peer still timed out). So the accept
// goes into the chain that blocks, directly before the rule that blocks (or at the end when the
// chain's policy decides), tagged with our comment — one per blocking base chain.
//
// Persistence: the distro's config (profile.paths.nftablesConfig) is loaded into a scratch network
// namespace (`unshare --net`, so nothing of the host changes) and compared with the running chain.
// Only when the file defines exactly the chain that is loaded do we append our rules to it as
// `insert rule … index N` commands after everything else in it: the file's own text stays
// untouched (undo restores it byte for byte), and the indices are right because the chain the file
// builds is the one we planned against. The new file is checked with `nft -c -f` before it is
// written, and loaded again in a scratch namespace after, to prove our rules land where planned.

import type { FromSchema } from 'json-schema-to-ts';
import { chainKey, nameOf, parseNftJson } from '../../facts/firewall/nft-json.js';
import type { NftChain, NftRule, NftRuleset } from '../../facts/firewall/nft-json.js';
import { describe as describeExpr, inputBaseChains, traceNftInput } from '../../facts/firewall/nft-eval.js';
import { placeAccepts } from '../../facts/firewall/simulate.js';
import type { RulesetModel } from '../../facts/firewall/simulate.js';
import type { FirewallBackend } from '../../core/profile.js';
import { StepFailure } from '../../core/errors.js';
import { describeResult, mustRun } from '../../exec/command.js';
import { NO_DATA } from '../define.js';
import { FILE_SNAPSHOT_SCHEMA, snapshotFile, snapshotText } from '../file-snapshot.js';
import type { ModuleContext } from '../types.js';
import { defineFirewallBackend } from './backend.js';
import type { FirewallBackendOps } from './backend.js';
import { PERSIST_RESTORE_SCHEMA, persistedFile, persistedFileSchema, restorePersisted, verifyPersisted, writePersisted } from './persist-file.js';
import type { PersistedFile } from './persist-file.js';
import { TAG, judgePorts, packetsFor, waysIn } from './types.js';
import type { OutsideIface } from './types.js';

const TIMEOUT_MS = 15_000;

const str = { type: 'string', minLength: 1 } as const;

const stateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ruleset', 'config'],
  properties: {
    ruleset: { type: 'string', description: '`nft -j list ruleset`, counters zeroed (they change by themselves; a plan\'s state must not).' },
    config: {
      type: 'object',
      additionalProperties: false,
      required: ['path', 'snapshot', 'loaded', 'loadError'],
      properties: {
        path: str,
        snapshot: FILE_SNAPSHOT_SCHEMA,
        loaded: { type: ['string', 'null'], description: 'The config as `nft -f` would load it at boot, read in a scratch netns; null when it could not be.' },
        loadError: { type: ['string', 'null'] },
      },
    },
  },
} as const;

/** One accept we add. `index` is its 0-based place in the chain once the earlier inserts are in. */
const insertSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['family', 'table', 'chain', 'index', 'port', 'before'],
  properties: {
    family: str,
    table: str,
    chain: str,
    index: { type: 'integer', minimum: 0 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    before: {
      description: 'The rule it goes directly before (its expressions as JSON, and in words); null: appended.',
      anyOf: [{ type: 'object', additionalProperties: false, required: ['expr', 'text'], properties: { expr: { type: 'string' }, text: { type: 'string' } } }, { type: 'null' }],
    },
  },
} as const;

const dataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['inserts', 'persist'],
  properties: { inserts: { type: 'array', items: insertSchema }, persist: { type: 'array', items: persistedFileSchema } },
} as const;


type NftState = FromSchema<typeof stateSchema>;
export type NftInsert = FromSchema<typeof insertSchema>;

export function ourExpr(port: number): unknown[] {
  return [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: port } }, { accept: null }];
}

export function ourRuleText(port: number): string {
  return `tcp dport ${port} accept comment "${TAG}"`;
}

/** Zero counters so that equal rules compare equal whatever traffic they saw. */
export function normaliseExpr(expr: unknown): unknown {
  if (Array.isArray(expr)) return expr.map(normaliseExpr);
  if (expr && typeof expr === 'object') {
    const o = expr as Record<string, unknown>;
    if ('counter' in o && o.counter && typeof o.counter === 'object' && 'packets' in (o.counter as object)) return { counter: { packets: 0, bytes: 0 } };
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, normaliseExpr(v)]));
  }
  return expr;
}

/** `nft -j` output's list of objects; anything else is refused with words, not a TypeError. */
function nftItems(json: string): unknown[] {
  const data = JSON.parse(json) as { nftables?: unknown } | null;
  if (data === null || typeof data !== 'object' || (data.nftables !== undefined && !Array.isArray(data.nftables))) throw new Error('nft -j: expected {"nftables": [...]}');
  return (data.nftables as unknown[] | undefined) ?? [];
}

export function normaliseRuleset(json: string): string {
  const items = nftItems(json).filter((i) => !(i && typeof i === 'object' && 'metainfo' in i));
  return JSON.stringify({ nftables: normaliseExpr(items) });
}

const exprKey = (expr: unknown): string => JSON.stringify(normaliseExpr(expr));

/** Rules as the JSON has them, with the comment parseNftJson leaves out. */
interface RawRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  comment: string | null;
  expr: unknown[];
}

export function rawRules(json: string): RawRule[] {
  const out: RawRule[] = [];
  for (const item of nftItems(json) as Array<Record<string, unknown> | null>) {
    const r = item !== null && typeof item === 'object' ? (item.rule as Record<string, unknown> | undefined) : undefined;
    if (!r || typeof r !== 'object') continue;
    out.push({ family: nameOf(r.family), table: nameOf(r.table), chain: nameOf(r.chain), handle: typeof r.handle === 'number' ? r.handle : NaN, comment: typeof r.comment === 'string' ? r.comment : null, expr: Array.isArray(r.expr) ? r.expr : [] });
  }
  return out;
}

const isOurs = (r: RawRule, port: number): boolean => r.comment === TAG && exprKey(r.expr) === exprKey(ourExpr(port));

// --- the pure part: where the accept goes ----------------------------------------------------

function cloneRuleset(rs: NftRuleset): NftRuleset {
  const chains = new Map<string, NftChain>();
  for (const [k, c] of rs.chains) chains.set(k, { ...c, rules: [...c.rules] });
  return { tables: rs.tables, chains, sets: rs.sets };
}

export function withRule(rs: NftRuleset, key: string, index: number, port: number): NftRuleset {
  const out = cloneRuleset(rs);
  const c = out.chains.get(key);
  if (!c) throw new Error(`no chain ${key}`);
  c.rules.splice(index, 0, { handle: null, expr: ourExpr(port) });
  return out;
}

/**
 * Native nftables as the simulator sees it: each input-hook base chain is a scope of its own (an
 * accept ends only its chain; every other base chain still sees the packet), chains by key.
 */
export const nftRuleset: RulesetModel<NftRuleset, NftRule> = {
  scopes: (rs) => inputBaseChains(rs, 'nftables').map((c) => chainKey(c.family, c.table, c.name)),
  trace: (rs, scope, packet) => traceNftInput(rs, 'nftables', packet, scope),
  rules: (rs, key) => rs.chains.get(key)?.rules ?? null,
  withAccept: withRule,
  chainName: (key) => key.split('/').join(' '),
};

export interface NftPlanResult {
  inserts: NftInsert[];
  unknown: Array<{ port: number; detail: string }>;
}

/** For each port, the simulator's accepts: one in every base chain that blocks it. */
export function planNft(live: NftRuleset, ports: number[], outside: OutsideIface[]): NftPlanResult {
  let sim = live;
  const inserts: NftInsert[] = [];
  const unknown: NftPlanResult['unknown'] = [];
  const ways = waysIn(outside, 4);
  for (const port of ports) {
    const r = placeAccepts(nftRuleset, sim, port, { packets: packetsFor(ways, port) });
    sim = r.sim;
    for (const p of r.placements) {
      const chain = sim.chains.get(p.chain);
      if (!chain) continue;
      inserts.push({ family: chain.family, table: chain.table, chain: chain.name, index: p.index, port, before: p.before ? { expr: exprKey(p.before.expr), text: describeExpr(p.before.expr) } : null });
    }
    if (r.outcome.kind === 'unknown') unknown.push({ port, detail: r.outcome.detail });
  }
  return { inserts, unknown };
}

// --- persistence ------------------------------------------------------------------------------

/** The lines appended to the config: each insert at its planned index (the file builds the same chain). */
export function configLines(inserts: NftInsert[], live: NftRuleset): string[] {
  let sim = live;
  return inserts.map((ins) => {
    const key = chainKey(ins.family, ins.table, ins.chain);
    const len = sim.chains.get(key)?.rules.length ?? 0;
    sim = withRule(sim, key, ins.index, ins.port);
    return ins.index < len ? `insert rule ${ins.family} ${ins.table} ${ins.chain} index ${ins.index} ${ourRuleText(ins.port)}` : `add rule ${ins.family} ${ins.table} ${ins.chain} ${ourRuleText(ins.port)}`;
  });
}

export const CONFIG_HEADER = `# ${TAG}: open the mail ports (\`postfix-fix rollback\` removes these lines)`;

function sameChain(a: NftChain | undefined, b: NftChain | undefined): boolean {
  if (!a || !b) return false;
  return a.hook === b.hook && a.prio === b.prio && a.policy === b.policy && a.rules.length === b.rules.length && a.rules.every((r, i) => exprKey(r.expr) === exprKey(b.rules[i]?.expr));
}

function persistPlan(st: NftState, live: NftRuleset, inserts: NftInsert[]): { files: PersistedFile[]; diff: string[] } {
  const c = st.config;
  const lost = '(the rule is lost at reboot or when the ruleset is reloaded)';
  if (!c.snapshot.exists) return { files: [], diff: [`# not persisted: ${c.path} does not exist ${lost}`] };
  if (c.loaded === null) return { files: [], diff: [`# not persisted: ${c.path} could not be loaded in a scratch network namespace to check where our rule would go (${c.loadError ?? 'unknown error'}) ${lost}`] };
  const fileRs = parseNftJson(c.loaded);
  const keys = [...new Set(inserts.map((i) => chainKey(i.family, i.table, i.chain)))];
  for (const key of keys) {
    const [family, table, chain] = key.split('/') as [string, string, string];
    if (!fileRs.tables.some((t) => t.family === family && t.name === table)) {
      return { files: [], diff: [`# not persisted: ${c.path} does not define table ${family} ${table} (it was loaded some other way) ${lost}`] };
    }
    if (!sameChain(fileRs.chains.get(key), live.chains.get(key))) {
      return { files: [], diff: [`# not persisted: ${c.path} defines ${family} ${table} ${chain} differently from what is loaded now, so where our rule belongs in it is a decision for a person ${lost}`] };
    }
  }
  const text = snapshotText(c.snapshot);
  const lines = configLines(inserts, live);
  const block = ['', CONFIG_HEADER, ...lines];
  const after = `${text}${text.endsWith('\n') || text === '' ? '' : '\n'}${block.join('\n')}\n`;
  return {
    files: [persistedFile(c.snapshot, after, [CONFIG_HEADER, ...lines])],
    diff: lines.map((l) => `~ persist: append to ${c.path} (loaded at boot): ${l}`),
  };
}

async function loadInScratch(ctx: ModuleContext, path: string): Promise<{ json: string | null; error: string | null }> {
  if (!ctx.exec.has('unshare')) return { json: null, error: 'unshare (util-linux) is not installed' };
  // Interactive mode runs each line as its own transaction, so `list` sees what `include` loaded
  // (in one `-f` batch it lists the half-built cache), and it prints JSON, which `-j -f` cannot.
  const r = await ctx.exec.run(['unshare', '--net', '--', 'nft', '-j', '-i'], { timeoutMs: TIMEOUT_MS, input: `include ${JSON.stringify(path)}\nlist ruleset\n` });
  const start = r.stdout.indexOf('{"nftables"');
  if (r.exitCode !== 0 || start < 0 || /Error:/.test(r.stderr)) return { json: null, error: (r.stderr.trim() || r.stdout.trim() || `exit ${r.exitCode}`).split('\n')[0] ?? '' };
  try {
    return { json: normaliseRuleset(r.stdout.slice(start).trim().split('\n')[0] ?? ''), error: null };
  } catch (e) {
    return { json: null, error: `output not understood: ${(e as Error).message}` };
  }
}

async function readRuleset(ctx: ModuleContext): Promise<string> {
  const r = await ctx.exec.run(['nft', '-j', 'list', 'ruleset'], { timeoutMs: TIMEOUT_MS });
  if (r.exitCode !== 0) throw new StepFailure('cannot read the nftables ruleset', describeResult(r));
  return r.stdout;
}

// --- the backend ------------------------------------------------------------------------------

export function nftablesBackend(): FirewallBackendOps {
  const name: FirewallBackend = 'nftables';
  return defineFirewallBackend({
    name,
    frontend: false,
    state: stateSchema,
    data: dataSchema,
    restore: PERSIST_RESTORE_SCHEMA,
    applied: NO_DATA,

    async inspect(ctx) {
      const ruleset = normaliseRuleset(await readRuleset(ctx));
      const path = ctx.profile.paths.nftablesConfig;
      const snapshot = await snapshotFile(ctx.fs, path);
      const loaded = snapshot.exists ? await loadInScratch(ctx, path) : { json: null, error: null };
      return { ruleset, config: { path, snapshot, loaded: loaded.json, loadError: loaded.error } };
    },

    judge(st, env) {
      const rs = parseNftJson(st.ruleset);
      return judgePorts(name, 4, env.ports, waysIn(env.outside, 4), (p) => traceNftInput(rs, 'nftables', p));
    },

    diff(st, env, pc) {
      const live = parseNftJson(st.ruleset);
      const { inserts, unknown } = planNft(live, pc.ports, env.outside);
      if (unknown.length > 0) {
        throw new StepFailure(`cannot tell whether nftables lets ${unknown.map((u) => `${u.port}/tcp`).join(', ')} through, so no rule can honestly be planned; check by hand`, unknown.map((u) => `nftables ${u.port}/tcp: ${u.detail}`));
      }
      if (inserts.length === 0) return null;
      const persisted = persistPlan(st, live, inserts);
      const diff = inserts.map((i) => `+ ${i.family} ${i.table} ${i.chain}: ${ourRuleText(i.port)}   (${i.before ? `inserted before: ${i.before.text}` : "appended: the chain's policy decided"})`);
      return {
        opens: [...new Set(inserts.map((i) => i.port))],
        diff: [...diff, ...persisted.diff],
        data: { inserts, persist: persisted.files },
        intent: { inserts: inserts.map((i) => ({ table: `${i.family} ${i.table}`, chain: i.chain, port: i.port, before: i.before?.expr ?? null })), persist: persisted.files.map((f) => ({ path: f.path, added: f.added })) },
        restore: { persist: persisted.files },
      };
    },

    async apply(ctx, { data: d }) {
      const json = await readRuleset(ctx);
      const rules = rawRules(json);
      const batch: string[] = [];
      for (const ins of d.inserts) {
        const inChain = rules.filter((r) => r.family === ins.family && r.table === ins.table && r.chain === ins.chain);
        if (inChain.some((r) => isOurs(r, ins.port))) continue; // a re-run after a partial apply
        if (ins.before === null) {
          batch.push(`add rule ${ins.family} ${ins.table} ${ins.chain} ${ourRuleText(ins.port)}`);
          continue;
        }
        // By the rule it must precede, as it is now (handles are stable; positions shift).
        const others = inChain.filter((r) => r.comment !== TAG);
        const target = others.find((r) => exprKey(r.expr) === ins.before?.expr);
        if (!target) throw new StepFailure(`the rule our accept goes before is gone from ${ins.family} ${ins.table} ${ins.chain}; the firewall changed since the plan`, [`wanted before: ${ins.before.text}`]);
        batch.push(`insert rule ${ins.family} ${ins.table} ${ins.chain} position ${target.handle} ${ourRuleText(ins.port)}`);
      }
      // One batch: nft applies it atomically, all or nothing.
      if (batch.length > 0) await mustRun(ctx.exec, ['nft', '-f', '-'], 'nft -f - (add our rules)', { timeoutMs: TIMEOUT_MS, input: `${batch.join('\n')}\n` });
      for (const f of d.persist) {
        await writePersisted(ctx, f, async (content) => {
          await mustRun(ctx.exec, ['nft', '-c', '-f', '-'], `nft -c -f (the new ${f.path})`, { timeoutMs: TIMEOUT_MS, input: content });
        });
        const proof = await provePersisted(ctx, f.path, d.inserts);
        if (proof !== null) {
          const back = await restorePersisted(ctx, f);
          throw new StepFailure(`the new ${f.path} does not load our rules where planned; put back the original`, [proof, back]);
        }
      }
      return null;
    },

    async verify(ctx, { data: d }) {
      const rules = rawRules(await readRuleset(ctx));
      const evidence: string[] = [];
      let present = 0;
      let total = 0;
      for (const ins of d.inserts) {
        const here = rules.some((x) => x.family === ins.family && x.table === ins.table && x.chain === ins.chain && isOurs(x, ins.port));
        total++;
        if (here) present++;
        evidence.push(`${ins.family} ${ins.table} ${ins.chain}: ${ourRuleText(ins.port)} ${here ? 'present' : 'MISSING'}`);
      }
      const files = await verifyPersisted(ctx, d.persist, 'holds our rules (loaded at boot)');
      return { present: present + files.present, total: total + files.total, evidence: [...evidence, ...files.evidence] };
    },

    async undo(ctx, { data: d }) {
      const evidence: string[] = [];
      const rules = rawRules(await readRuleset(ctx));
      const taken = new Set<number>();
      const batch: string[] = [];
      for (const ins of d.inserts) {
        const r = rules.find((x) => x.family === ins.family && x.table === ins.table && x.chain === ins.chain && isOurs(x, ins.port) && !taken.has(x.handle));
        if (!r) {
          evidence.push(`${ins.family} ${ins.table} ${ins.chain}: ${ourRuleText(ins.port)} is not there (nothing to remove)`);
          continue;
        }
        taken.add(r.handle);
        batch.push(`delete rule ${ins.family} ${ins.table} ${ins.chain} handle ${r.handle}`);
        evidence.push(`${ins.family} ${ins.table} ${ins.chain}: removed ${ourRuleText(ins.port)}`);
      }
      if (batch.length > 0) await mustRun(ctx.exec, ['nft', '-f', '-'], 'nft -f - (remove our rules)', { timeoutMs: TIMEOUT_MS, input: `${batch.join('\n')}\n` });
      for (const f of d.persist) evidence.push(await restorePersisted(ctx, f));
      return evidence;
    },
  });
}

/** null when the written config, loaded in a scratch netns, has each of our rules where planned. */
async function provePersisted(ctx: ModuleContext, path: string, inserts: NftInsert[]): Promise<string | null> {
  const loaded = await loadInScratch(ctx, path);
  if (loaded.json === null) return `cannot load ${path} in a scratch namespace: ${loaded.error}`;
  const rs = parseNftJson(loaded.json);
  const raw = rawRules(loaded.json);
  for (const ins of inserts) {
    const ours = raw.filter((r) => r.family === ins.family && r.table === ins.table && r.chain === ins.chain);
    const at = ours.findIndex((r) => isOurs(r, ins.port));
    if (!rs.chains.has(chainKey(ins.family, ins.table, ins.chain)) || at < 0) return `${path} does not add ${ourRuleText(ins.port)} to ${ins.family} ${ins.table} ${ins.chain}`;
    if (ins.before !== null) {
      const next = ours.slice(at + 1).find((r) => r.comment !== TAG);
      if (!next || exprKey(next.expr) !== ins.before.expr) return `${path} puts ${ourRuleText(ins.port)} somewhere other than before "${ins.before.text}" (next: ${next ? describeExpr(next.expr) : 'nothing'})`;
    }
  }
  return null;
}
