// fail2ban: lift the ban of exactly one client, through fail2ban's own command
// (`fail2ban-client set JAIL unbanip ADDRESS`), in the jails named — and, when asked, keep it
// from being banned again: `addignoreip` now, and a jail.d/ drop-in so a restart keeps it.
// Never stops fail2ban, never unbans anyone else, never touches its chains or sets by hand:
// fail2ban's own unban action removes its rule. Undo bans the client again in the same jails
// (a fresh ban of the jail's bantime: fail2ban cannot restore the old expiry), takes it back out
// of ignoreip and restores the drop-in's place as it was.

import type { FromSchema } from 'json-schema-to-ts';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { describeResult, mustRun, waitFor } from '../../exec/command.js';
import { cidrContains, parseCidr } from '../../facts/cidr.js';
import { parseBannedFor, parseIgnoreip } from '../../facts/fail2ban.js';
import { defineActionModule } from '../define.js';
import type { ModuleContext } from '../types.js';
import type { JsonValue } from '../../core/json.js';

const ADDRESS = { type: 'string', pattern: '^([0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-f:]*:[0-9a-f:.]*)$', maxLength: 45 } as const;
// fail2ban jail names: section names of jail.conf.
const JAIL = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' } as const;
const PATH = { type: 'string', pattern: '^/[^\\n\\r\\u0000]*$' } as const;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['address', 'jails'],
  properties: {
    address: { ...ADDRESS, description: 'The one client whose ban is lifted.' },
    jails: { type: 'array', minItems: 1, maxItems: 32, uniqueItems: true, items: JAIL, description: 'Jails whose ban of the client is lifted (others are left alone).' },
    ignore: { type: 'boolean', default: false, description: 'Also add the client to ignoreip: now (addignoreip) and in a jail.d/ drop-in, so a restart keeps it.' },
    dropin_dir: { ...PATH, default: '/etc/fail2ban/jail.d' },
  },
} as const;

const DROPIN = {
  type: 'object',
  additionalProperties: false,
  required: ['path', 'exists', 'content'],
  properties: { path: PATH, exists: { type: 'boolean' }, content: { type: ['string', 'null'] } },
} as const;

/** What inspect sees (in the plan's state digest, so a saved plan refuses a host whose bans changed). */
interface State {
  [key: string]: JsonValue;
  /** Of the jails asked about, those that ban the client now. */
  banned: string[];
  /** Each jail's bantime in seconds, as fail2ban reports it (what a re-ban would last). */
  bantime: Record<string, number | null>;
  /** Each jail's ignoreip now (read only when ignore is asked for). */
  ignoreip: Record<string, string[]>;
  /** Jails whose configuration files set ignoreip (`fail2ban-client -d`; only when ignore is asked for). */
  configured: Record<string, boolean>;
  dropin: Dropin;
}

const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['address', 'unban', 'addIgnore', 'dropin'],
  properties: {
    address: ADDRESS,
    unban: { type: 'array', items: JAIL },
    addIgnore: { type: 'array', items: JAIL },
    /** The drop-in to write (null: none). */
    dropin: { oneOf: [{ type: 'null' }, { type: 'object', additionalProperties: false, required: ['path', 'content'], properties: { path: PATH, content: { type: 'string' } } }] },
  },
} as const;

const RESTORE = {
  type: 'object',
  additionalProperties: false,
  required: ['address', 'reban', 'delIgnore', 'dropin'],
  properties: {
    address: ADDRESS,
    /** Jails whose ban undo puts back. */
    reban: { type: 'array', items: JAIL },
    /** Jails whose ignoreip undo takes the client out of again. */
    delIgnore: { type: 'array', items: JAIL },
    /** The drop-in's place before: undo puts back this content, or removes the file. */
    dropin: { oneOf: [{ type: 'null' }, DROPIN] },
  },
} as const;

type Dropin = FromSchema<typeof DROPIN>;

const CLIENT_MS = 15_000;

function f2b(ctx: ModuleContext, args: readonly string[]) {
  return ctx.exec.run(['fail2ban-client', ...args], { timeoutMs: CLIENT_MS });
}

/** `postfix-fix-ignore-203.0.113.7.local`: ours by its name; one file per client. */
export function dropinPath(dir: string, address: string): string {
  return `${dir.replace(/\/+$/, '')}/postfix-fix-ignore-${address.replace(/:/g, '-')}.local`;
}

/**
 * The drop-in: in each jail's section, ignoreip as fail2ban's configuration had it so far
 * (`%(known/ignoreip)s`: jail.conf, jail.local, earlier drop-ins) plus the client, so nothing
 * already ignored is lost. Where the configuration defines no ignoreip for a jail, `known/` has
 * nothing to refer to and fail2ban would refuse the whole configuration: the client alone then.
 */
export function dropinContent(address: string, jails: readonly string[], configured: Readonly<Record<string, boolean>> = {}): string {
  const head = [
    '# Written by postfix-fix (runbook fail2ban-unban): this client was banned from the mail ports',
    '# and should not be again. `postfix-fix rollback` removes this file.',
  ];
  return [...head, ...jails.flatMap((j) => ['', `[${j}]`, `ignoreip = ${configured[j] ? '%(known/ignoreip)s ' : ''}${address}`]), ''].join('\n');
}

/** From `fail2ban-client -d` (the configuration as fail2ban parses it): the jails whose ignoreip it sets. */
export function configuredIgnoreip(dump: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const m of dump.matchAll(/^\['set', '([^']+)', 'addignoreip'(, '[^']*')+\]$/gm)) out[m[1] as string] = true;
  return out;
}

/** Is the address covered by an ignoreip entry (an address, a network, or a name we cannot judge)? */
function ignored(list: readonly string[], address: string): boolean {
  const ip = parseCidr(address);
  return list.some((e) => {
    const net = parseCidr(e);
    return net !== null && ip !== null && cidrContains(net, ip);
  });
}

async function bannedIn(ctx: ModuleContext, address: string): Promise<string[]> {
  const r = await f2b(ctx, ['banned', address]);
  const jails = r.exitCode === 0 ? parseBannedFor(r.stdout) : null;
  if (jails === null) throw new StepFailure(`cannot ask fail2ban which jails ban ${address}`, describeResult(r));
  return jails;
}

async function readDropin(ctx: ModuleContext, path: string): Promise<Dropin> {
  const content = await ctx.fs.tryReadText(path);
  return { path, exists: content !== null, content };
}

export const fail2banModule = defineActionModule({
  name: 'fail2ban',
  description: "Lift fail2ban's ban of one client (fail2ban-client set JAIL unbanip), optionally adding it to ignoreip (runtime and a jail.d/ drop-in); undo bans it again.",
  args: ARGS,
  data: DATA,
  restore: RESTORE,

  async inspect(ctx, args): Promise<State> {
    if (!ctx.exec.has('fail2ban-client')) throw new NotApplicable('fail2ban-client is not installed');
    const ping = await f2b(ctx, ['ping']);
    if (ping.exitCode !== 0) throw new NotApplicable(`fail2ban does not answer (\`fail2ban-client ping\`: ${describeResult(ping).join(' ')}): there is no running ban to lift`);
    const banning = await bannedIn(ctx, args.address);
    const banned = args.jails.filter((j) => banning.includes(j));
    const [times, lists, dump] = await Promise.all([
      Promise.all(banned.map(async (j) => [j, Number((await f2b(ctx, ['get', j, 'bantime'])).stdout.trim()) || null] as const)),
      Promise.all(args.ignore ? args.jails.map(async (j) => [j, parseIgnoreip((await f2b(ctx, ['get', j, 'ignoreip'])).stdout)] as const) : []),
      args.ignore ? f2b(ctx, ['-d']) : null,
    ]);
    if (dump && dump.exitCode !== 0) throw new StepFailure("cannot read fail2ban's configuration (fail2ban-client -d)", describeResult(dump));
    const configured = dump ? configuredIgnoreip(dump.stdout) : {};
    return {
      banned,
      bantime: Object.fromEntries(times),
      ignoreip: Object.fromEntries(lists),
      configured: Object.fromEntries(args.jails.filter((j) => configured[j]).map((j) => [j, true])),
      dropin: await readDropin(ctx, dropinPath(args.dropin_dir, args.address)),
    };
  },

  diff(_ctx, args, st) {
    const address = args.address;
    const addIgnore = args.ignore ? args.jails.filter((j) => !ignored(st.ignoreip[j] ?? [], address)) : [];
    const wanted = args.ignore ? dropinContent(address, args.jails, st.configured) : null;
    const dropin = wanted !== null && st.dropin.content !== wanted ? { path: st.dropin.path, content: wanted } : null;
    if (st.banned.length === 0 && addIgnore.length === 0 && dropin === null) return null;
    const bantimes = st.banned.map((j) => `${j} ${st.bantime[j] ?? '?'} s`).join(', ');
    return {
      summary: [st.banned.length > 0 ? `lift fail2ban's ban of ${address} in ${st.banned.join(', ')}` : null, addIgnore.length > 0 ? `add ${address} to ignoreip of ${addIgnore.join(', ')}` : null, dropin ? `write ${dropin.path}` : null].filter(Boolean).join('; '),
      diff: [
        ...st.banned.map((j) => `~ fail2ban-client set ${j} unbanip ${address}`),
        ...addIgnore.map((j) => `~ fail2ban-client set ${j} addignoreip ${address}`),
        ...(dropin ? [`${st.dropin.exists ? '~ replace' : '+ create'} ${dropin.path} (0644):`, ...dropin.content.trimEnd().split('\n').map((l) => `+ ${l}`), '~ fail2ban-client -t (the drop-in is taken back if fail2ban no longer accepts its configuration)'] : []),
        '~ fail2ban keeps running; no other address is unbanned; its chains and sets are left to fail2ban',
        ...(st.banned.length > 0 ? [`~ undo: fail2ban-client set JAIL banip ${address} again (a fresh ban: ${bantimes})`] : []),
      ],
      data: { address, unban: st.banned, addIgnore, dropin },
      intent: { address, unban: st.banned, addIgnore, dropin: dropin?.path ?? null },
      restore: { address, reban: st.banned, delIgnore: addIgnore, dropin: dropin ? st.dropin : null },
    };
  },

  async apply(ctx, _args, { data }) {
    for (const j of data.unban) await mustRun(ctx.exec, ['fail2ban-client', 'set', j, 'unbanip', data.address], `fail2ban-client set ${j} unbanip`, { timeoutMs: CLIENT_MS });
    for (const j of data.addIgnore) await mustRun(ctx.exec, ['fail2ban-client', 'set', j, 'addignoreip', data.address], `fail2ban-client set ${j} addignoreip`, { timeoutMs: CLIENT_MS });
    if (data.dropin) {
      const before = await ctx.fs.tryReadText(data.dropin.path);
      await ctx.fs.writeAtomic(data.dropin.path, data.dropin.content, { mode: 0o644 });
      // A configuration fail2ban refuses would stop it at its next restart: never leave one.
      const test = await f2b(ctx, ['-t']);
      if (test.exitCode !== 0) {
        if (before === null) await ctx.fs.unlink(data.dropin.path);
        else await ctx.fs.writeAtomic(data.dropin.path, before, { mode: 0o644 });
        throw new StepFailure(`fail2ban does not accept its configuration with ${data.dropin.path}: taken back`, describeResult(test));
      }
    }
    return undefined;
  },

  async verify(ctx, _args, { data }) {
    const evidence: string[] = [];
    // fail2ban's unban action has run when unbanip returns; allow it a moment under load.
    let still: string[] = [];
    const gone = await waitFor(async () => {
      still = (await bannedIn(ctx, data.address)).filter((j) => data.unban.includes(j));
      return still.length === 0;
    }, 5_000, 200);
    evidence.push(gone ? `fail2ban-client banned ${data.address}: no longer in ${data.unban.join(', ') || '(none asked)'}` : `still banned in ${still.join(', ')}`);
    const ping = await f2b(ctx, ['ping']);
    evidence.push(ping.exitCode === 0 ? 'fail2ban still runs (ping answered)' : 'fail2ban does not answer any more');
    let ignoredOk = true;
    for (const j of data.addIgnore) {
      const list = parseIgnoreip((await f2b(ctx, ['get', j, 'ignoreip'])).stdout);
      const yes = ignored(list, data.address);
      ignoredOk &&= yes;
      evidence.push(`${j} ignoreip: ${list.join(' ') || '(empty)'}${yes ? '' : ` (without ${data.address})`}`);
    }
    if (data.dropin) evidence.push(`${data.dropin.path}: ${(await ctx.fs.tryReadText(data.dropin.path)) === data.dropin.content ? 'written' : 'not as written'}`);
    return { ok: gone && ping.exitCode === 0 && ignoredOk, evidence };
  },

  async undo(ctx, { change: { restore } }) {
    const evidence: string[] = [];
    if (restore.dropin) {
      if (restore.dropin.exists && restore.dropin.content !== null) {
        await ctx.fs.writeAtomic(restore.dropin.path, restore.dropin.content, { mode: 0o644 });
        evidence.push(`restored ${restore.dropin.path}`);
      } else if (await ctx.fs.exists(restore.dropin.path)) {
        await ctx.fs.unlink(restore.dropin.path);
        evidence.push(`removed ${restore.dropin.path}`);
      }
    }
    for (const j of restore.delIgnore) {
      const r = await f2b(ctx, ['set', j, 'delignoreip', restore.address]);
      evidence.push(r.exitCode === 0 ? `${j}: ${restore.address} out of ignoreip again` : `${j}: delignoreip failed: ${describeResult(r).join(' ')}`);
    }
    const now = restore.reban.length > 0 ? await bannedIn(ctx, restore.address) : [];
    for (const j of restore.reban.filter((x) => !now.includes(x))) await mustRun(ctx.exec, ['fail2ban-client', 'set', j, 'banip', restore.address], `fail2ban-client set ${j} banip`, { timeoutMs: CLIENT_MS });
    if (restore.reban.length > 0) {
      const back = await bannedIn(ctx, restore.address);
      const missing = restore.reban.filter((j) => !back.includes(j));
      if (missing.length > 0) throw new StepFailure(`${restore.address} is not banned again in ${missing.join(', ')}`, evidence);
      evidence.push(`${restore.address} banned again in ${restore.reban.join(', ')}`);
    }
    return evidence;
  },
});
