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

import type { JsonObject } from '../../core/json.js';
import { chainKey, nameOf, parseNftJson, tableOwner } from '../../facts/firewall/nft-json.js';
import type { NftChain, NftRule, NftRuleset } from '../../facts/firewall/nft-json.js';
import { describe as describeExpr, evaluateNftInput } from '../../facts/firewall/nft-eval.js';
import type { FirewallBackend } from '../../core/profile.js';
import { StepFailure } from '../../core/errors.js';
import { describeResult, mustRun } from '../../exec/command.js';
import { snapshotFile, snapshotText } from '../file-snapshot.js';
import type { FileSnapshot } from '../file-snapshot.js';
import type { ModuleContext } from '../types.js';
import { persistedFile, persistedInPlace, restorePersisted, writePersisted } from './persist-file.js';
import type { PersistedFile } from './persist-file.js';
import { TAG } from './types.js';
import type { BackendPlan, FirewallBackendOps, InspectEnv, OutsideIface, PortVerdict } from './types.js';

const TIMEOUT_MS = 15_000;
const V4_FAMILIES = new Set(['ip', 'inet']);

interface NftState extends JsonObject {
  /** `nft -j list ruleset`, counters zeroed (they change by themselves; a plan's state must not). */
  ruleset: string;
  config: {
    path: string;
    snapshot: FileSnapshot;
    /** The config as `nft -f` would load it at boot, read in a scratch netns; null when it could not be. */
    loaded: string | null;
    loadError: string | null;
  };
}

export interface NftInsert extends JsonObject {
  family: string;
  table: string;
  chain: string;
  /** 0-based place in the chain once the earlier inserts are in. */
  index: number;
  port: number;
  /** The rule it goes directly before (its expressions as JSON, and in words); null: appended. */
  before: { expr: string; text: string } | null;
}

interface NftData extends JsonObject {
  inserts: NftInsert[];
  persist: PersistedFile[];
}

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

export function inputBases(rs: NftRuleset): NftChain[] {
  return [...rs.chains.values()]
    .filter((c) => c.hook === 'input' && (c.type ?? 'filter') === 'filter' && V4_FAMILIES.has(c.family) && tableOwner(c.family, c.table) === 'nftables')
    .sort((a, b) => a.prio - b.prio);
}

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

/** The same ruleset with only `base` hooked at input: "does this base chain let it through?" */
function isolate(rs: NftRuleset, base: NftChain): NftRuleset {
  const chains = new Map<string, NftChain>();
  for (const [k, c] of rs.chains) chains.set(k, c.hook === 'input' && k !== chainKey(base.family, base.table, base.name) ? { ...c, hook: null } : c);
  return { tables: rs.tables, chains, sets: rs.sets };
}

/** Which chain of base's table decided: the rule's own chain, or the base chain for its policy. */
export function decidingChain(detail: string, base: NftChain): string | null {
  const table = `${base.family} ${base.table} `;
  if (detail.startsWith('policy ')) return base.name;
  if (!detail.startsWith(table)) return null;
  const rest = detail.slice(table.length);
  const colon = rest.indexOf(':');
  return colon > 0 ? rest.slice(0, colon) : null;
}

export interface NftPlanResult {
  inserts: NftInsert[];
  unknown: Array<{ port: number; detail: string }>;
}

export function planNft(live: NftRuleset, ports: number[], outside: OutsideIface[]): NftPlanResult {
  let sim = live;
  const inserts: NftInsert[] = [];
  const unknown: NftPlanResult['unknown'] = [];
  const ifaces = outside.length > 0 ? outside : [{ name: '(outside)', v4: [], v6: [] }];
  for (const port of ports) {
    const packet = (i: OutsideIface) => ({ iface: i.name, dport: port, dstAddrs: i.v4 });
    portLoop: for (const baseLive of inputBases(live)) {
      const baseKey = chainKey(baseLive.family, baseLive.table, baseLive.name);
      for (let round = 0; round < 8; round++) {
        const base = sim.chains.get(baseKey) as NftChain;
        const view = isolate(sim, base);
        const decided = ifaces.map((i) => ({ i, d: evaluateNftInput(view, 'nftables', packet(i)) }));
        const unk = decided.find((x) => x.d.verdict === 'unknown');
        if (unk) {
          unknown.push({ port, detail: unk.d.detail });
          break portLoop;
        }
        const blocked = decided.find((x) => x.d.verdict === 'drop' || x.d.verdict === 'reject');
        if (!blocked) break;
        const chainName = decidingChain(blocked.d.detail, base);
        const key = chainName === null ? null : chainKey(base.family, base.table, chainName);
        const chain = key === null ? undefined : sim.chains.get(key);
        if (!chain || key === null) {
          unknown.push({ port, detail: `cannot tell where "${blocked.d.detail}" is` });
          break portLoop;
        }
        let at = -1;
        for (let k = chain.rules.length; k >= 0; k--) {
          if (evaluateNftInput(isolate(withRule(sim, key, k, port), base), 'nftables', packet(blocked.i)).verdict === 'allow') {
            at = k;
            break;
          }
        }
        if (at < 0) {
          unknown.push({ port, detail: `no place in ${base.family} ${base.table} ${chain.name} lets it through (${blocked.d.detail})` });
          break portLoop;
        }
        const next = chain.rules[at] as NftRule | undefined;
        inserts.push({ family: chain.family, table: chain.table, chain: chain.name, index: at, port, before: next ? { expr: exprKey(next.expr), text: describeExpr(next.expr) } : null });
        sim = withRule(sim, key, at, port);
      }
    }
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
  return a.hook === b.hook && a.prio === b.prio && a.policy === b.policy && a.rules.length === b.rules.length && a.rules.every((r, i) => exprKey(r.expr) === exprKey((b.rules[i] as NftRule).expr));
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
  return {
    name,
    frontend: false,

    async inspect(ctx) {
      const ruleset = normaliseRuleset(await readRuleset(ctx));
      const path = ctx.profile.paths.nftablesConfig;
      const snapshot = await snapshotFile(ctx.fs, path);
      const loaded = snapshot.exists ? await loadInScratch(ctx, path) : { json: null, error: null };
      const state: NftState = { ruleset, config: { path, snapshot, loaded: loaded.json, loadError: loaded.error } };
      return state;
    },

    verdicts(raw, env: InspectEnv): PortVerdict[] {
      const rs = parseNftJson((raw as NftState).ruleset);
      const ifaces = env.outside.length ? env.outside : [{ name: '(outside)', v4: [], v6: [] }];
      return env.ports.flatMap((port) =>
        ifaces.map((i) => {
          const d = evaluateNftInput(rs, 'nftables', { iface: i.name, dport: port, dstAddrs: i.v4 });
          return { backend: name, port, iface: i.name, family: 4 as const, verdict: d.verdict, detail: d.detail };
        }),
      );
    },

    plan(raw, env, pc) {
      const st = raw as NftState;
      const live = parseNftJson(st.ruleset);
      const { inserts, unknown } = planNft(live, pc.ports, env.outside);
      if (unknown.length > 0) {
        throw new StepFailure(`cannot tell whether nftables lets ${unknown.map((u) => `${u.port}/tcp`).join(', ')} through, so no rule can honestly be planned; check by hand`, unknown.map((u) => `nftables ${u.port}/tcp: ${u.detail}`));
      }
      if (inserts.length === 0) return null;
      const persisted = persistPlan(st, live, inserts);
      const diff = inserts.map((i) => `+ ${i.family} ${i.table} ${i.chain}: ${ourRuleText(i.port)}   (${i.before ? `inserted before: ${i.before.text}` : "appended: the chain's policy decided"})`);
      const data: NftData = { inserts, persist: persisted.files };
      const plan: BackendPlan = {
        backend: name,
        opens: [...new Set(inserts.map((i) => i.port))],
        diff: [...diff, ...persisted.diff],
        data,
        intent: { inserts: inserts.map((i) => ({ table: `${i.family} ${i.table}`, chain: i.chain, port: i.port, before: i.before?.expr ?? null })), persist: persisted.files.map((f) => ({ path: f.path, added: f.added })) },
        restore: { persist: persisted.files },
      };
      return plan;
    },

    async apply(ctx, plan) {
      const d = plan.data as NftData;
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

    async undo(ctx, plan) {
      const d = plan.data as NftData;
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

    async check(ctx, plan) {
      const d = plan.data as NftData;
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
      for (const f of d.persist) {
        const inPlace = await persistedInPlace(ctx, f);
        total++;
        if (inPlace) present++;
        evidence.push(`${f.path}: ${inPlace ? 'holds our rules (loaded at boot)' : 'does NOT hold the planned content'}`);
      }
      return { present, total, evidence };
    },
  };
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
