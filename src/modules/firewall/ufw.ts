// ufw: `ufw allow N/tcp comment 'postfix-fix'` — ufw writes the rule into its own chains and into
// /etc/ufw/user.rules (and user6.rules with IPV6=yes), so it persists by itself.
//
// Port form, not the `Postfix` app profile: the profile's ports come from a file in
// /etc/ufw/applications.d that a package or an admin may change, while `25/tcp` is exactly the
// rule the reviewer approved, and `ufw status` shows our comment beside it.
//
// Measured in a lab host: ufw keys rules by their match (its "tuple"), not by action. `ufw allow
// 587/tcp` over an existing `deny 587/tcp` answers "Rule updated" and replaces it in place; a
// later `ufw delete allow 587/tcp` would then leave no rule at all. So when the same match exists
// with another action, the plan says it replaces it, and undo re-issues the original command
// (which updates it back, in place, with its original comment). When an earlier, broader ufw rule
// blocks (`deny 25` covers tcp and udp), `ufw insert N` puts ours directly before it.

import type { FromSchema } from 'json-schema-to-ts';
import { traceIptablesInput } from '../../facts/firewall/iptables-eval.js';
import { parseIptablesSave } from '../../facts/firewall/iptables-save.js';
import type { IptablesSave } from '../../facts/firewall/iptables-save.js';
import { latestAdmitting } from '../../facts/firewall/simulate.js';
import type { FirewallBackend } from '../../core/profile.js';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { describeResult, mustRun } from '../../exec/command.js';
import { cloneSave, normaliseSave, withRule } from './iptables.js';
import type { ModuleContext } from '../types.js';
import { defineFirewallBackend } from './backend.js';
import type { FirewallBackendOps } from './backend.js';
import { TAG, judgePorts, packetsFor, waysIn } from './types.js';
import type { OutsideIface } from './types.js';

const TIMEOUT_MS = 30_000;
const USER_RULES = '/etc/ufw/user.rules';
const USER6_RULES = '/etc/ufw/user6.rules';

export interface UfwTuple {
  action: string;
  proto: string;
  dport: string;
  dst: string;
  sport: string;
  src: string;
  dapp: string | null;
  sapp: string | null;
  direction: string;
  comment: string | null;
  /** How many `-A ufw-user-input` rules ufw wrote for it (maps iptables positions to ufw numbers). */
  inputRules: number;
}

/** `### tuple ### ACTION PROTO DPORT DST SPORT SRC [DAPP SAPP] DIRECTION [comment=HEX]` + its rules. */
export function parseUserRules(text: string, inputChain = 'ufw-user-input'): UfwTuple[] {
  const out: UfwTuple[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('### tuple ###')) {
      let body = line.slice('### tuple ###'.length).trim();
      let comment: string | null = null;
      const c = body.indexOf(' comment=');
      if (c >= 0) {
        comment = Buffer.from(body.slice(c + ' comment='.length).trim(), 'hex').toString('utf8');
        body = body.slice(0, c);
      }
      const f = body.split(/\s+/);
      if (f.length !== 7 && f.length !== 9) continue;
      const app = f.length === 9;
      out.push({
        action: f[0] as string,
        proto: f[1] as string,
        dport: f[2] as string,
        dst: f[3] as string,
        sport: f[4] as string,
        src: f[5] as string,
        dapp: app && f[6] !== '-' ? (f[6] as string).replace(/%20/g, ' ') : null,
        sapp: app && f[7] !== '-' ? (f[7] as string).replace(/%20/g, ' ') : null,
        direction: f[f.length - 1] as string,
        comment,
        inputRules: 0,
      });
    } else if (line.startsWith(`-A ${inputChain} `) && out.length > 0) {
      (out[out.length - 1] as UfwTuple).inputRules++;
    }
  }
  return out;
}

/** The tuple `ufw allow N/tcp` makes: any address, this port, inbound, no app. */
function sameMatch(t: UfwTuple, port: number): boolean {
  return t.proto === 'tcp' && t.dport === String(port) && (t.dst === '0.0.0.0/0' || t.dst === '::/0') && t.sport === 'any' && (t.src === '0.0.0.0/0' || t.src === '::/0') && t.dapp === null && t.sapp === null && t.direction === 'in';
}

const baseAction = (a: string): string => a.split('_')[0] as string;
const isOurs = (t: UfwTuple, port: number): boolean => sameMatch(t, port) && baseAction(t.action) === 'allow' && t.comment === TAG;

/** The command that re-creates a tuple with our match (`deny_log` → `ufw deny log 587/tcp`). */
export function commandFor(t: UfwTuple, port: number): string[] {
  const [action, log] = t.action.split('_') as [string, string | undefined];
  return ['ufw', action, ...(log ? [log] : []), `${port}/tcp`, ...(t.comment ? ['comment', t.comment] : [])];
}

export const ourCommand = (port: number, position: number | null = null): string[] => ['ufw', ...(position === null ? [] : ['insert', String(position)]), 'allow', `${port}/tcp`, 'comment', TAG];

const show = (argv: readonly string[]): string => argv.map((a) => (/^[\w./:-]+$/.test(a) ? a : `'${a}'`)).join(' ');

/** A tuple as a person reads it: `deny 25 from 0.0.0.0/0`, `allow 22/tcp`. */
export function tupleText(t: UfwTuple): string {
  const anywhere = t.src === '0.0.0.0/0' || t.src === '::/0';
  return `${t.action.replace('_', ' ')} ${t.dapp ?? (t.dport === 'any' ? 'any port' : t.dport)}${t.proto === 'any' || t.dapp ? '' : `/${t.proto}`}${anywhere ? '' : ` from ${t.src}`}${t.comment ? ` # ${t.comment}` : ''}`;
}

const stateSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['save', 'userRules', 'ipv6'],
  properties: {
    save: { type: 'string', description: "iptables-save of the filter table ufw's chains live in, normalised." },
    userRules: { type: 'string', description: '/etc/ufw/user.rules as read.' },
    ipv6: { type: 'boolean', description: 'IPV6=yes in /etc/default/ufw: ufw writes user6.rules too.' },
  },
} as const;

const argvSchema = { type: 'array', minItems: 2, items: { type: 'string' } } as const;

const additionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['port', 'kind', 'argv', 'restoreArgv', 'before'],
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    kind: { enum: ['add', 'insert', 'replace'] },
    argv: argvSchema,
    restoreArgv: { description: 'replace: the command that puts the replaced rule back.', anyOf: [argvSchema, { type: 'null' }] },
    before: { type: ['string', 'null'], description: 'insert: the ufw rule it goes before (the one that blocks), as a person reads it.' },
  },
} as const;

const dataSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['additions'],
  properties: { additions: { type: 'array', items: additionSchema } },
} as const;

const appliedSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['outputs'],
  properties: { outputs: { type: 'array', items: { type: 'string' }, description: 'What ufw answered ("Rule added", "Rule updated").' } },
} as const;

type UfwState = FromSchema<typeof stateSchema>;
export type UfwAddition = FromSchema<typeof additionSchema>;

const USER_INPUT = 'ufw-user-input';

/** The tuple `ufw allow N/tcp comment postfix-fix` writes (one ACCEPT in ufw-user-input). */
function ourTuple(port: number): UfwTuple {
  return { action: 'allow', proto: 'tcp', dport: String(port), dst: '0.0.0.0/0', sport: 'any', src: '0.0.0.0/0', dapp: null, sapp: null, direction: 'in', comment: TAG, inputRules: 1 };
}

function withoutRules(save: IptablesSave, chain: string, start: number, count: number): IptablesSave {
  const out = cloneSave(save);
  out.tables.get('filter')?.chains.get(chain)?.rules.splice(start, count);
  return out;
}

/**
 * Pure: what ufw must do for each port it blocks (ports blocked only by rules outside ufw's chains
 * are left to the raw iptables backend). The loaded ufw-user-input chain and the tuples of
 * user.rules are modelled together, so each addition's `ufw insert N` number is right at the moment
 * it runs, after the additions before it.
 */
export function planUfw(save: IptablesSave, userTuples: UfwTuple[], ports: number[], outside: OutsideIface[]): UfwAddition[] {
  const ways = waysIn(outside, 4);
  const loaded = save.tables.get('filter')?.chains.get(USER_INPUT);
  if (!loaded) throw new NotApplicable('ufw is active but its ufw-user-input chain is not loaded; run `ufw reload` and plan again');
  const tuples = [...userTuples];
  const firstLine = (n: number): number => tuples.slice(0, n).reduce((a, t) => a + t.inputRules, 0);
  const modelled = firstLine(tuples.length) === loaded.rules.length;
  const out: UfwAddition[] = [];
  let sim = save;
  for (const port of ports) {
    // Blocked by a rule of ufw's own (its chains, or INPUT's policy it sets): what ufw can open.
    const blockedByUfw = (s: IptablesSave): { detail: string } | null => {
      for (const p of packetsFor(ways, port)) {
        const t = traceIptablesInput(s, p);
        if ((t.verdict === 'drop' || t.verdict === 'reject') && t.owner === 'ufw') return { detail: t.detail };
      }
      return null;
    };
    const blocked = blockedByUfw(sim);
    if (!blocked) continue;
    if (!modelled) throw new NotApplicable(`ufw's loaded rules differ from ${USER_RULES}; run \`ufw reload\` and plan again`);
    const accept = ['-p', 'tcp', '-m', 'tcp', '--dport', String(port), '-j', 'ACCEPT'];
    const count = sim.tables.get('filter')?.chains.get(USER_INPUT)?.rules.length ?? 0;
    const same = tuples.findIndex((t) => sameMatch(t, port));
    let addition: UfwAddition;
    let trial: IptablesSave;
    let at: number;
    const t = tuples[same];
    if (t) {
      // ufw updates a rule with the same match in place: model exactly that.
      addition = { port, kind: 'replace', argv: ourCommand(port), restoreArgv: commandFor(t, port), before: null };
      trial = withRule(withoutRules(sim, USER_INPUT, firstLine(same), t.inputRules), USER_INPUT, firstLine(same), accept);
      at = same;
      tuples.splice(same, 1);
    } else {
      addition = { port, kind: 'add', argv: ourCommand(port), restoreArgv: null, before: null };
      trial = withRule(sim, USER_INPUT, count, accept);
      at = tuples.length;
      if (blockedByUfw(trial)) {
        // An earlier ufw rule blocks: the latest place that lets it in, before that rule's tuple.
        const k = latestAdmitting(count, (i) => !blockedByUfw(withRule(sim, USER_INPUT, i, accept)));
        if (k < 0) throw new NotApplicable(`ufw blocks ${port}/tcp outside its user rules (${blocked.detail}); \`ufw allow\` cannot override that — see /etc/ufw/before.rules`);
        let n = 0;
        while (n < tuples.length && firstLine(n + 1) <= k) n++;
        const next = tuples[n];
        addition = { port, kind: 'insert', argv: ourCommand(port, n + 1), restoreArgv: null, before: next ? tupleText(next) : null };
        trial = withRule(sim, USER_INPUT, firstLine(n), accept);
        at = n;
      }
    }
    const still = blockedByUfw(trial);
    if (still) throw new NotApplicable(`ufw would still block ${port}/tcp after \`${show(addition.argv)}\` (${still.detail}); this needs a decision about the ruleset`);
    tuples.splice(at, 0, ourTuple(port));
    out.push(addition);
    sim = trial;
  }
  return out;
}

async function readState(ctx: ModuleContext): Promise<UfwState> {
  const save = await ctx.exec.run(['iptables-save', '-t', 'filter'], { timeoutMs: TIMEOUT_MS });
  if (save.exitCode !== 0) throw new StepFailure("cannot read ufw's iptables chains", describeResult(save));
  const defaults = (await ctx.fs.tryReadText('/etc/default/ufw')) ?? '';
  return {
    save: normaliseSave(save.stdout),
    userRules: (await ctx.fs.tryReadText(USER_RULES)) ?? '',
    ipv6: /^IPV6=yes\b/m.test(defaults),
  };
}

async function ufwRun(ctx: ModuleContext, argv: string[]): Promise<string> {
  const r = await mustRun(ctx.exec, argv, show(argv), { timeoutMs: TIMEOUT_MS });
  return (r.stdout.trim() || r.stderr.trim()).split('\n').join('; ');
}

export function ufwBackend(): FirewallBackendOps {
  const name: FirewallBackend = 'ufw';
  return defineFirewallBackend({
    name,
    frontend: true,
    state: stateSchema,
    data: dataSchema,
    // ufw keeps the rules itself; undo needs only what was added (and what a replace displaced).
    restore: dataSchema,
    applied: appliedSchema,

    inspect: (ctx) => readState(ctx),

    judge(st, env) {
      const save = parseIptablesSave(st.save);
      return judgePorts(name, 4, env.ports, waysIn(env.outside, 4), (p) => traceIptablesInput(save, p));
    },

    diff(st, env, pc) {
      const additions = planUfw(parseIptablesSave(st.save), parseUserRules(st.userRules), pc.ports, env.outside);
      if (additions.length === 0) return null;
      const diff: string[] = [];
      for (const a of additions) {
        if (a.kind === 'replace') {
          diff.push(`- ${show(a.restoreArgv ?? [])}   (the rule ufw has for this exact match now)`);
          diff.push(`+ ${show(a.argv)}   (ufw replaces a rule with the same match in place: "Rule updated"; undo puts the old one back)`);
        } else {
          diff.push(`+ ${show(a.argv)}${a.before ? `   (before ufw rule ${a.argv[2]}, "${a.before}", which blocks it)` : ''}`);
        }
      }
      diff.push(`~ ufw saves it in ${USER_RULES}${st.ipv6 ? ` and ${USER6_RULES} (IPv6 too: IPV6=yes)` : ''} itself: kept across reboot`);
      return {
        opens: additions.map((a) => a.port),
        diff,
        data: { additions },
        intent: additions.map((a) => ({ port: a.port, kind: a.kind, replaces: a.restoreArgv })),
        restore: { additions },
      };
    },

    async apply(ctx, { data: d }) {
      const outputs: string[] = [];
      for (const a of d.additions) {
        const tuples = parseUserRules((await ctx.fs.tryReadText(USER_RULES)) ?? '');
        if (tuples.some((t) => isOurs(t, a.port))) continue; // a re-run after a partial apply
        outputs.push(await ufwRun(ctx, a.argv));
      }
      return { outputs };
    },

    async verify(ctx, { data: d }) {
      const v4 = parseUserRules((await ctx.fs.tryReadText(USER_RULES)) ?? '');
      const evidence: string[] = [];
      let present = 0;
      let total = 0;
      for (const a of d.additions) {
        const here = v4.some((t) => isOurs(t, a.port));
        total++;
        if (here) present++;
        evidence.push(`ufw: allow ${a.port}/tcp comment '${TAG}' ${here ? `in ${USER_RULES}` : 'MISSING'}`);
      }
      return { present, total, evidence };
    },

    async undo(ctx, { data: d }) {
      const evidence: string[] = [];
      for (const a of [...d.additions].reverse()) {
        const tuples = parseUserRules((await ctx.fs.tryReadText(USER_RULES)) ?? '');
        if (!tuples.some((t) => isOurs(t, a.port))) {
          evidence.push(`ufw: allow ${a.port}/tcp (ours) is not there (nothing to remove)`);
          continue;
        }
        const argv = a.kind === 'replace' && a.restoreArgv ? a.restoreArgv : ['ufw', 'delete', 'allow', `${a.port}/tcp`];
        evidence.push(`${show(argv)}: ${await ufwRun(ctx, argv)}`);
      }
      return evidence;
    },
  });
}
