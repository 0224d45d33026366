// iptables, in both flavours: iptables-nft and iptables-legacy take the same argv and differ only
// in the binary (and the kernel tables they fill). An ACCEPT tagged with our comment is inserted
// directly before the rule that blocks the port — found by walking the rules with the same
// evaluator diagnose uses, and proven by re-walking with the insertion — so every rule before it
// (a ban list, a rate limit) still applies to mail traffic, and nothing after it changes.
// Persistence is an insertion into the boot-time rules file at the same spot, only when that file
// holds exactly the rules loaded now; otherwise the plan says why it is not persisted.

import type { FromSchema } from 'json-schema-to-ts';
import { traceIptablesInput } from '../../facts/firewall/iptables-eval.js';
import { countRules, hasChainPrefix, parseIptablesSave, tokenize } from '../../facts/firewall/iptables-save.js';
import type { IptablesChain, IptablesRule, IptablesSave } from '../../facts/firewall/iptables-save.js';
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
import type { WayIn } from './types.js';

export type IptablesVariant = 'nft' | 'legacy';
type Family = 4 | 6;

const TIMEOUT_MS = 15_000;

const variantSchema = { enum: ['nft', 'legacy'] } as const;
const str = { type: 'string', minLength: 1 } as const;
const toolsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cmd', 'cmd6', 'save', 'save6', 'restore', 'restore6'],
  properties: { cmd: str, cmd6: str, save: str, save6: str, restore: str, restore6: str },
} as const;
const snapshotOrNull = { anyOf: [FILE_SNAPSHOT_SCHEMA, { type: 'null' }] } as const;

const stateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['variant', 'tools', 'v4', 'v6', 'persistence'],
  properties: {
    variant: variantSchema,
    tools: toolsSchema,
    v4: { type: ['string', 'null'], description: '`-save -t filter` output without its timestamp comments and counters; null: no filter table.' },
    v6: { type: ['string', 'null'] },
    persistence: {
      type: 'object',
      additionalProperties: false,
      required: ['mechanism', 'unavailable', 'bootVariant', 'v4', 'v6'],
      properties: {
        mechanism: { enum: ['netfilter-persistent', 'iptables-services', 'none'] },
        unavailable: { type: ['string', 'null'], description: 'Why the mechanism cannot be used here; null when it can.' },
        bootVariant: { enum: ['nft', 'legacy', null], description: 'Which iptables `iptables-restore` is at boot (the alternatives link): the file feeds only that one.' },
        v4: snapshotOrNull,
        v6: snapshotOrNull,
      },
    },
  },
} as const;

/** One ACCEPT we add. `index` is its 0-based place in the chain once the earlier inserts are in. */
const insertSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['family', 'chain', 'index', 'port', 'before'],
  properties: {
    family: { enum: [4, 6] },
    chain: str,
    index: { type: 'integer', minimum: 0 },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    before: { type: ['string', 'null'], description: 'The rule it goes directly before, as -save prints it; null: appended (the policy decided).' },
  },
} as const;

const dataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['variant', 'tools', 'inserts', 'persist'],
  properties: { variant: variantSchema, tools: toolsSchema, inserts: { type: 'array', items: insertSchema }, persist: { type: 'array', items: persistedFileSchema } },
} as const;


type IptablesState = FromSchema<typeof stateSchema>;
type Tools = FromSchema<typeof toolsSchema>;
type Persistence = IptablesState['persistence'];
export type IptablesInsert = FromSchema<typeof insertSchema>;

/** Our rule, in the order iptables-save prints it (so file lines and -C/-D specs agree). */
export function ourRuleArgs(port: number): string[] {
  return ['-p', 'tcp', '-m', 'tcp', '--dport', String(port), '-m', 'comment', '--comment', TAG, '-j', 'ACCEPT'];
}

export function ourRuleText(chain: string, port: number): string {
  return ['-A', chain, ...ourRuleArgs(port)].join(' ');
}

/** Timestamps and counters change by themselves; a plan's state must not. */
export function normaliseSave(text: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/\s\[\d+:\d+\]$/, ' [0:0]'))
    .join('\n');
}

function toolsFor(ctx: ModuleContext, variant: IptablesVariant): Tools {
  if (variant === 'nft') return { cmd: 'iptables-nft', cmd6: 'ip6tables-nft', save: 'iptables-nft-save', save6: 'ip6tables-nft-save', restore: 'iptables-nft-restore', restore6: 'ip6tables-nft-restore' };
  // RHEL 7 and other pre-nft systems have only the plain names, which are legacy there.
  if (ctx.exec.has('iptables-legacy') || !ctx.exec.has('iptables')) return { cmd: 'iptables-legacy', cmd6: 'ip6tables-legacy', save: 'iptables-legacy-save', save6: 'ip6tables-legacy-save', restore: 'iptables-legacy-restore', restore6: 'ip6tables-legacy-restore' };
  return { cmd: 'iptables', cmd6: 'ip6tables', save: 'iptables-save', save6: 'ip6tables-save', restore: 'iptables-restore', restore6: 'ip6tables-restore' };
}

const cmdOf = (t: Tools, f: Family): string => (f === 4 ? t.cmd : t.cmd6);
const saveOf = (t: Tools, f: Family): string => (f === 4 ? t.save : t.save6);

/**
 * Legacy tables spring into existence when any legacy tool touches them (LAB.md); reading one that
 * is not loaded would create the very mixed state we report. The kernel lists the loaded ones.
 */
async function legacyLoaded(ctx: ModuleContext, family: Family): Promise<boolean> {
  const names = await ctx.fs.tryReadText(family === 4 ? '/proc/1/net/ip_tables_names' : '/proc/1/net/ip6_tables_names').catch(() => null);
  return names !== null && names.split('\n').some((n) => n.trim() === 'filter');
}

async function readFilter(ctx: ModuleContext, variant: IptablesVariant, tools: Tools, family: Family): Promise<string | null> {
  if (variant === 'legacy' && !(await legacyLoaded(ctx, family))) return null;
  if (!ctx.exec.has(saveOf(tools, family))) return null;
  const r = await ctx.exec.run([saveOf(tools, family), '-t', 'filter'], { timeoutMs: TIMEOUT_MS });
  if (r.exitCode !== 0) {
    if (/does not exist|Table does not exist/i.test(r.stderr)) return null;
    throw new StepFailure(`cannot read the ${variant === 'nft' ? 'iptables-nft' : 'iptables-legacy'} rules`, describeResult(r));
  }
  const text = normaliseSave(r.stdout);
  // `-save -t filter` prints an empty table even when none is loaded: that filters nothing.
  return text.includes('*filter') && countRules(parseIptablesSave(text)) > 0 ? text : null;
}

async function readPersistence(ctx: ModuleContext): Promise<Persistence> {
  const mechanism = ctx.profile.firewall.iptablesPersistence;
  const base: Persistence = { mechanism, unavailable: null, bootVariant: null, v4: null, v6: null };
  if (mechanism === 'none') return { ...base, unavailable: `${ctx.profile.name} has no standard iptables persistence` };
  const installed =
    mechanism === 'netfilter-persistent'
      ? ctx.exec.has('netfilter-persistent') || (await ctx.fs.exists('/usr/share/netfilter-persistent/plugins.d'))
      : (await ctx.fs.exists('/usr/libexec/iptables/iptables.init')) || (await ctx.fs.exists('/usr/lib/systemd/system/iptables.service'));
  if (!installed) return { ...base, unavailable: `${mechanism === 'netfilter-persistent' ? 'netfilter-persistent (iptables-persistent)' : 'iptables-services'} is not installed` };
  const v = await ctx.exec.run(['iptables', '-V'], { timeoutMs: 5_000 });
  const bootVariant: IptablesVariant | null = /nf_tables/.test(v.stdout) ? 'nft' : /legacy/.test(v.stdout) ? 'legacy' : v.exitCode === 0 ? 'legacy' : null;
  const snap = async (p: string | null) => (p === null ? null : snapshotFile(ctx.fs, p));
  return { ...base, bootVariant, v4: await snap(ctx.profile.paths.iptablesRulesV4), v6: await snap(ctx.profile.paths.iptablesRulesV6) };
}

// --- the pure part: where the ACCEPT goes -----------------------------------------------------

export function cloneSave(save: IptablesSave): IptablesSave {
  const tables = new Map<string, { name: string; chains: Map<string, IptablesChain> }>();
  for (const [name, t] of save.tables) {
    const chains = new Map<string, IptablesChain>();
    for (const [cn, c] of t.chains) chains.set(cn, { policy: c.policy, rules: [...c.rules] });
    tables.set(name, { name, chains });
  }
  return { tables, warnings: [...save.warnings] };
}

export function withRule(save: IptablesSave, chain: string, index: number, args: string[]): IptablesSave {
  const out = cloneSave(save);
  const c = out.tables.get('filter')?.chains.get(chain);
  if (!c) throw new Error(`no chain ${chain}`);
  c.rules.splice(index, 0, { chain, args, text: ['-A', chain, ...args].join(' ') });
  return out;
}

/** iptables' filter table as the simulator sees it: one scope (INPUT), our ACCEPT as -save prints it. */
export const iptablesRuleset: RulesetModel<IptablesSave, IptablesRule> = {
  scopes: () => ['INPUT'],
  trace: (rs, _scope, packet) => traceIptablesInput(rs, packet),
  rules: (rs, chain) => rs.tables.get('filter')?.chains.get(chain)?.rules ?? null,
  withAccept: (rs, chain, index, port) => withRule(rs, chain, index, ourRuleArgs(port)),
  chainName: (chain) => `chain ${chain}`,
};

export interface FamilyPlan {
  inserts: IptablesInsert[];
  /** Ports whose verdict we cannot work out: nothing can honestly be planned for them. */
  unknown: Array<{ port: number; detail: string }>;
  notes: string[];
}

export interface FamilyPlanOptions {
  family: Family;
  ports: number[];
  ifaces: WayIn[];
  /** Ports ufw opens in this plan: modelled as ufw's own ACCEPT before asking what else blocks. */
  ufwOpens: Set<number>;
}

/**
 * For each port, the simulator's ACCEPTs (each directly before the rule that decided, at the
 * latest place that still lets the packet in) — never inside ufw's chains or for INPUT's policy
 * when ufw runs: those are ufw's, and its own plan opens the port there.
 */
export function planFamily(live: IptablesSave, o: FamilyPlanOptions): FamilyPlan {
  let sim = live;
  const inserts: IptablesInsert[] = [];
  const unknown: FamilyPlan['unknown'] = [];
  const notes: string[] = [];
  const ufw = hasChainPrefix(live, o.family === 4 ? 'ufw-' : 'ufw6-');
  const ufwUser = o.family === 4 ? 'ufw-user-input' : 'ufw6-user-input';
  const ways = o.ifaces.length > 0 ? o.ifaces : [{ name: '(outside)', addrs: [] }];
  for (const port of o.ports) {
    if (ufw && o.ufwOpens.has(port) && sim.tables.get('filter')?.chains.has(ufwUser)) {
      sim = withRule(sim, ufwUser, 0, ['-p', 'tcp', '-m', 'tcp', '--dport', String(port), '-j', 'ACCEPT']);
    }
    const r = placeAccepts(iptablesRuleset, sim, port, { packets: packetsFor(ways, port), leaveTo: (t) => ufw && t.owner === 'ufw' });
    sim = r.sim;
    inserts.push(...r.placements.map((p) => ({ family: o.family, chain: p.chain, index: p.index, port, before: p.before?.text ?? null })));
    if (r.outcome.kind === 'unknown') unknown.push({ port, detail: r.outcome.detail });
    if (r.outcome.kind === 'theirs' && !o.ufwOpens.has(port)) notes.push(`# note: ${port}/tcp is blocked by ufw (${r.outcome.trace.detail}); ufw's plan handles it`);
  }
  return { inserts, unknown, notes };
}

/** An INPUT that drops by policy yet accepts neither loopback nor replies breaks Postfix's own lookups. */
export function policyCaveats(save: IptablesSave): string[] {
  const input = save.tables.get('filter')?.chains.get('INPUT');
  if (!input || input.policy === 'ACCEPT' || input.policy === null) return [];
  const accepts = input.rules.filter((r) => r.args.includes('ACCEPT'));
  const lo = accepts.some((r) => r.args.join(' ').includes('-i lo') && !r.args.includes('--dport'));
  const replies = accepts.some((r) => /ESTABLISHED/.test(r.args.join(' ')));
  const out: string[] = [];
  if (!lo) out.push(`# note: INPUT drops by policy and accepts no loopback traffic: Postfix's lookups through a local resolver time out, so the banner can come ~10 s late; accepting lo is a wider change than opening a port and is not made here`);
  if (!replies) out.push('# note: INPUT drops by policy and accepts no ESTABLISHED traffic: replies to the host\'s own connections (DNS, outbound mail) are dropped; not changed here');
  return out;
}

// --- persistence ------------------------------------------------------------------------------

const sameArgs = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

function sameChains(file: IptablesSave, live: IptablesSave, chains: string[]): string | null {
  for (const chain of chains) {
    const f = file.tables.get('filter')?.chains.get(chain);
    const l = live.tables.get('filter')?.chains.get(chain);
    if (!f || !l) return `chain ${chain} is ${f ? 'not loaded now' : 'not in the file'}`;
    if ((f.policy ?? '') !== (l.policy ?? '')) return `chain ${chain} has policy ${f.policy} in the file, ${l.policy} loaded`;
    if (f.rules.length !== l.rules.length || f.rules.some((r, i) => !sameArgs(r.args, (l.rules[i] as IptablesRule).args))) return `chain ${chain} holds different rules in the file than loaded now`;
  }
  return null;
}

/** The rules file with our lines added at the planned places (the chain must match the live one). */
export function insertIntoRulesFile(text: string, inserts: IptablesInsert[]): { text: string; added: string[] } {
  const lines = text.split('\n');
  const added: string[] = [];
  for (const ins of inserts) {
    const start = lines.findIndex((l) => l.trim() === '*filter');
    if (start < 0) throw new Error('no *filter section');
    let end = lines.findIndex((l, i) => i > start && l.trim() === 'COMMIT');
    if (end < 0) end = lines.length;
    const ruleLines: number[] = [];
    for (let i = start + 1; i < end; i++) {
      const t = tokenize((lines[i] as string).trim().replace(/^\[\d+:\d+\]\s*/, ''));
      if (t[0] === '-A' && t[1] === ins.chain) ruleLines.push(i);
    }
    const line = ourRuleText(ins.chain, ins.port);
    const at = ins.index < ruleLines.length ? (ruleLines[ins.index] as number) : ruleLines.length > 0 ? (ruleLines[ruleLines.length - 1] as number) + 1 : end;
    lines.splice(at, 0, line);
    added.push(line);
  }
  return { text: lines.join('\n'), added };
}

function persistPlan(st: IptablesState, family: Family, live: IptablesSave, inserts: IptablesInsert[], backend: FirewallBackend): { files: PersistedFile[]; diff: string[] } {
  if (inserts.length === 0) return { files: [], diff: [] };
  const p = st.persistence;
  const fam = family === 6 ? 'IPv6 ' : '';
  const lost = '(the rule is lost at reboot)';
  if (p.unavailable) return { files: [], diff: [`# not persisted: no iptables persistence is installed — ${p.unavailable} ${lost}`] };
  if (p.bootVariant !== null && p.bootVariant !== st.variant) {
    return { files: [], diff: [`# not persisted: at boot ${p.mechanism} restores into iptables-${p.bootVariant}, not ${backend} ${lost}`] };
  }
  const snap = family === 4 ? p.v4 : p.v6;
  if (!snap || !snap.exists) {
    return { files: [], diff: [`# not persisted: ${snap?.path ?? `no ${fam}rules file`} does not exist, so ${p.mechanism} restores no ${fam}rules at boot — the blocking rule is not persistent either ${lost}`] };
  }
  const text = snapshotText(snap);
  const file = parseIptablesSave(text);
  const mismatch = sameChains(file, live, [...new Set(inserts.map((i) => i.chain))]);
  if (mismatch) {
    return { files: [], diff: [`# not persisted: ${snap.path} is not what is loaded now (${mismatch}); adding our rule there could land in the wrong place — save the running rules yourself (${p.mechanism === 'netfilter-persistent' ? 'netfilter-persistent save' : 'service iptables save'}) if they are the ones to keep ${lost}`] };
  }
  const { text: after, added } = insertIntoRulesFile(text, inserts);
  const boot = p.mechanism === 'netfilter-persistent' ? 'netfilter-persistent' : 'iptables-services';
  const diff = inserts.map((ins, n) => `~ persist in ${snap.path} (${boot} restores it at boot): ${ins.before ? `insert "${added[n]}" before "${ins.before}"` : `add "${added[n]}" after the chain's last rule`}`);
  return { files: [persistedFile(snap, after, added)], diff };
}

// --- the backend ------------------------------------------------------------------------------

function displayInsert(tools: Tools, ins: IptablesInsert): string {
  const cmd = cmdOf(tools, ins.family);
  const args = ourRuleArgs(ins.port).join(' ');
  return ins.before ? `+ ${cmd} -I ${ins.chain} ${ins.index + 1} ${args}   (before: ${ins.before})` : `+ ${cmd} -A ${ins.chain} ${args}   (appended: the chain's policy decided)`;
}

export function iptablesBackend(variant: IptablesVariant): FirewallBackendOps {
  const name: FirewallBackend = variant === 'nft' ? 'iptables-nft' : 'iptables-legacy';
  return defineFirewallBackend({
    name,
    frontend: false,
    state: stateSchema,
    data: dataSchema,
    restore: PERSIST_RESTORE_SCHEMA,
    applied: NO_DATA,

    async inspect(ctx) {
      const tools = toolsFor(ctx, variant);
      const v4 = await readFilter(ctx, variant, tools, 4);
      const v6 = await readFilter(ctx, variant, tools, 6);
      return { variant, tools, v4, v6, persistence: await readPersistence(ctx) };
    },

    judge(st, env) {
      return ([4, 6] as const).flatMap((family) => {
        const text = family === 4 ? st.v4 : st.v6;
        if (text === null) return [];
        const save = parseIptablesSave(text);
        return judgePorts(name, family, env.ports, waysIn(env.outside, family), (p) => traceIptablesInput(save, p));
      });
    },

    diff(st, env, pc) {
      const diff: string[] = [];
      const inserts: IptablesInsert[] = [];
      const files: PersistedFile[] = [];
      const ufwOpens = pc.openedBy.get('ufw') ?? new Set<number>();
      for (const family of [4, 6] as const) {
        const text = family === 4 ? st.v4 : st.v6;
        if (text === null) continue;
        const live = parseIptablesSave(text);
        // firewalld on its iptables backend (RHEL 7) owns these chains; it is opened through firewalld.
        if (pc.active.includes('firewalld') && live.tables.get('filter')?.chains.has('INPUT_ZONES')) continue;
        const fp = planFamily(live, { family, ports: pc.ports, ifaces: waysIn(env.outside, family), ufwOpens });
        if (fp.unknown.length > 0) {
          throw new StepFailure(`cannot tell whether ${name} lets ${fp.unknown.map((u) => `${u.port}/tcp`).join(', ')} through, so no rule can honestly be planned; check by hand`, fp.unknown.map((u) => `${name}${family === 6 ? ' (IPv6)' : ''} ${u.port}/tcp: ${u.detail}`));
        }
        if (fp.inserts.length === 0) continue;
        inserts.push(...fp.inserts);
        diff.push(...fp.inserts.map((i) => displayInsert(st.tools, i)), ...fp.notes);
        if (fp.inserts.some((i) => i.before === null)) diff.push(...policyCaveats(live));
        const persisted = persistPlan(st, family, live, fp.inserts, name);
        files.push(...persisted.files);
        diff.push(...persisted.diff);
      }
      if (inserts.length === 0) return null;
      return {
        opens: [...new Set(inserts.map((i) => i.port))],
        diff,
        data: { variant, tools: st.tools, inserts, persist: files },
        intent: { inserts: inserts.map((i) => ({ family: i.family, chain: i.chain, port: i.port, before: i.before })), persist: files.map((f) => ({ path: f.path, added: f.added })) },
        restore: { persist: files },
      };
    },

    async apply(ctx, { data: d }) {
      for (const ins of d.inserts) {
        const cmd = cmdOf(d.tools, ins.family);
        const spec = ourRuleArgs(ins.port);
        const present = await ctx.exec.run([cmd, '-C', ins.chain, ...spec], { timeoutMs: TIMEOUT_MS });
        if (present.exitCode === 0) continue;
        if (ins.before === null) {
          await mustRun(ctx.exec, [cmd, '-A', ins.chain, ...spec], `${cmd} -A ${ins.chain}`, { timeoutMs: TIMEOUT_MS });
          continue;
        }
        // Place it by the rule it must precede, as it is now, not by a remembered number.
        const text = await readFilter(ctx, d.variant, d.tools, ins.family);
        const rules = text === null ? [] : (parseIptablesSave(text).tables.get('filter')?.chains.get(ins.chain)?.rules ?? []);
        const at = rules[ins.index]?.text === ins.before ? ins.index : rules.findIndex((r) => r.text === ins.before);
        if (at < 0) throw new StepFailure(`the rule our ACCEPT goes before is gone from ${ins.chain}; the firewall changed since the plan`, [`wanted before: ${ins.before}`]);
        await mustRun(ctx.exec, [cmd, '-I', ins.chain, String(at + 1), ...spec], `${cmd} -I ${ins.chain}`, { timeoutMs: TIMEOUT_MS });
      }
      for (const f of d.persist) {
        const restore = f.path === ctx.profile.paths.iptablesRulesV6 ? d.tools.restore6 : d.tools.restore;
        await writePersisted(ctx, f, async (content) => {
          if (!ctx.exec.has(restore)) return;
          await mustRun(ctx.exec, [restore, '--test'], `${restore} --test (the new ${f.path})`, { timeoutMs: TIMEOUT_MS, input: content });
        });
      }
      return null;
    },

    async verify(ctx, { data: d }) {
      const evidence: string[] = [];
      let present = 0;
      let total = 0;
      for (const ins of d.inserts) {
        const cmd = cmdOf(d.tools, ins.family);
        const loaded = d.variant === 'nft' || (await legacyLoaded(ctx, ins.family));
        const here = loaded && (await ctx.exec.run([cmd, '-C', ins.chain, ...ourRuleArgs(ins.port)], { timeoutMs: TIMEOUT_MS })).exitCode === 0;
        total++;
        if (here) present++;
        evidence.push(`${cmd}: ${ourRuleText(ins.chain, ins.port)} ${here ? 'present' : 'MISSING'}`);
      }
      const files = await verifyPersisted(ctx, d.persist, 'holds our rule (restored at boot)');
      return { present: present + files.present, total: total + files.total, evidence: [...evidence, ...files.evidence] };
    },

    async undo(ctx, { data: d }) {
      const evidence: string[] = [];
      // Newest first, though each delete names its rule exactly and order does not matter.
      for (const ins of [...d.inserts].reverse()) {
        const cmd = cmdOf(d.tools, ins.family);
        if (d.variant === 'legacy' && !(await legacyLoaded(ctx, ins.family))) continue;
        const spec = ourRuleArgs(ins.port);
        const present = await ctx.exec.run([cmd, '-C', ins.chain, ...spec], { timeoutMs: TIMEOUT_MS });
        if (present.exitCode !== 0) {
          evidence.push(`${cmd}: ${ourRuleText(ins.chain, ins.port)} is not there (nothing to remove)`);
          continue;
        }
        await mustRun(ctx.exec, [cmd, '-D', ins.chain, ...spec], `${cmd} -D ${ins.chain}`, { timeoutMs: TIMEOUT_MS });
        evidence.push(`${cmd}: removed ${ourRuleText(ins.chain, ins.port)}`);
      }
      for (const f of d.persist) evidence.push(await restorePersisted(ctx, f));
      return evidence;
    },
  });
}
