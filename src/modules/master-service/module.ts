// master-service: add a master.cf service with its -o parameters, set parameters of one that
// exists, or remove one — only through `postconf -M`/`-P`/`-MX`, never by editing or uncommenting
// master.cf's text: Debian's sample entries are commented line by line (`#  -o …`), so
// uncommenting by pattern attaches options to the wrong service, or turns on the postscreen line
// that sits under `smtp inet`. master.cf is snapshotted byte for byte before, `postfix check`
// passes before Postfix reloads, and undo puts the snapshot back.

import { join } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { describeDial } from '../../exec/dial.js';
import { describeResult, mustRun, waitFor } from '../../exec/command.js';
import { formatArgv } from '../../exec/quote.js';
import { gatherListeners } from '../../facts/listeners.js';
import { disabledBy } from '../../facts/master-cf.js';
import { gatherMasterServices } from '../../facts/master-services.js';
import type { MasterService } from '../../facts/types.js';
import { defineActionModule } from '../define.js';
import { FILE_SNAPSHOT_SCHEMA, SHA256_SCHEMA, WRITTEN_FILE_SCHEMA, currentSha, restoreSnapshot, sha256, snapshotFile, snapshotText } from '../file-snapshot.js';
import { controlPostfix, postfixCheck, postfixRunning } from '../postfix-control.js';
import { unifiedDiff } from '../text-diff.js';
import type { ModuleContext } from '../types.js';
import { applyMasterEdit, splitEntry } from './master-cf.js';
import type { MasterEdit } from './master-cf.js';

const SERVICE_TYPES = ['inet', 'unix', 'unix-dgram', 'fifo', 'pass'] as const;
const PARAM_NAME = { type: 'string', pattern: '^[a-z][a-z0-9_]*$' } as const;
// `postconf -P` refuses whitespace in a value ("-Pe does not accept whitespace"), and a newline
// would end the entry.
const PARAM_VALUE = { type: 'string', pattern: '^[^\\s{}]*$' } as const;
const SHA256 = SHA256_SCHEMA;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: {
    service: { type: 'string', pattern: '^[A-Za-z0-9_.:\\[\\]-]+$', description: 'The service field: smtp, submission, 127.0.0.1:submission.' },
    type: { enum: SERVICE_TYPES, default: 'inet' },
    state: { enum: ['present', 'absent'], default: 'present' },
    fields: {
      type: 'string',
      pattern: '^[ny-]\\s+[ny-]\\s+[ny-]\\s+\\S+\\s+\\S+\\s+[a-z][a-z0-9_-]*( [^\\n{}]*)?$',
      description: 'private unpriv chroot wakeup maxproc command [args], e.g. "n - y - - smtpd": the entry written when the service does not exist. An existing entry keeps its fields.',
    },
    params: { type: 'object', propertyNames: PARAM_NAME, additionalProperties: PARAM_VALUE, default: {}, description: 'Its -o overrides, set with postconf -P (others it has are kept).' },
    apply: { enum: ['reload', 'none'], default: 'reload', description: 'reload: a running Postfix picks the change up (new services need no restart).' },
  },
} as const;

const STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['masterCf', 'entry', 'params'],
  properties: {
    masterCf: FILE_SNAPSHOT_SCHEMA,
    /** `postconf -M` of the service (normalised); null when master.cf does not define it. */
    entry: { type: ['string', 'null'] },
    /** Its -o overrides now (`postconf -P`). */
    params: { type: 'object', additionalProperties: { type: 'string' } },
  },
} as const;

const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['configDir', 'service', 'type', 'op', 'entry', 'params', 'action', 'expectedSha256'],
  properties: {
    /** Recorded at plan time: undo must act on the config it changed, whatever facts say later. */
    configDir: { type: 'string', pattern: '^/' },
    service: { type: 'string' },
    type: { enum: SERVICE_TYPES },
    op: { enum: ['add', 'set-params', 'remove'] },
    /** add: the whole entry for `postconf -M` (fields and -o). */
    entry: { type: ['string', 'null'] },
    /** set-params: [name, value] for `postconf -P`. */
    params: { type: 'array', items: { type: 'array', items: [PARAM_NAME, PARAM_VALUE], minItems: 2, additionalItems: false } },
    action: { enum: ['reload', 'none'] },
    expectedSha256: SHA256,
  },
} as const;

const APPLIED = WRITTEN_FILE_SCHEMA;

type Args = FromSchema<typeof ARGS>;
type Data = FromSchema<typeof DATA>;

const key = (service: string, type: string): string => `${service}/${type}`;

function masterCfPath(configDir: string): string {
  return join(configDir, 'master.cf');
}

/** The same context, aimed at the config dir a journaled change was made to. */
function atConfigDir(ctx: ModuleContext, configDir: string): ModuleContext {
  return configDir === ctx.facts.postfix.configDir ? ctx : { ...ctx, facts: { ...ctx.facts, postfix: { ...ctx.facts.postfix, configDir } } };
}

async function readService(ctx: ModuleContext, service: string, type: string): Promise<{ entry: string | null; params: Record<string, string> }> {
  const dir = ctx.facts.postfix.configDir;
  const [m, p] = await Promise.all([ctx.exec.run(['postconf', '-c', dir, '-M', key(service, type)], { timeoutMs: 10_000 }), ctx.exec.run(['postconf', '-c', dir, '-P', key(service, type)], { timeoutMs: 10_000 })]);
  if (m.exitCode !== 0) throw new StepFailure('cannot read master.cf with postconf -M', describeResult(m));
  const entry = m.stdout.trim() === '' ? null : m.stdout.trimEnd();
  const params: Record<string, string> = {};
  const prefix = `${key(service, type)}/`;
  for (const line of p.stdout.split('\n')) {
    if (!line.startsWith(prefix)) continue;
    const eq = line.indexOf(' = ');
    if (eq > 0) params[line.slice(prefix.length, eq)] = line.slice(eq + 3);
    else if (line.endsWith(' =')) params[line.slice(prefix.length, -2)] = '';
  }
  return { entry, params };
}

function wantedParams(args: Args): Array<[string, string]> {
  return Object.entries(args.params ?? {}).map(([k, v]) => [k, String(v)]);
}

function describeOp(d: Data): string {
  const who = key(d.service, d.type);
  if (d.op === 'add') return `add ${who} to master.cf`;
  if (d.op === 'remove') return `remove ${who} from master.cf`;
  return `set ${d.params.map(([n, v]) => `${n}=${v}`).join(', ')} on ${who}`;
}

function postconfArgv(d: Data): string[] {
  const base = ['postconf', '-c', d.configDir];
  if (d.op === 'add') return [...base, '-M', `${key(d.service, d.type)}=${d.entry ?? ''}`];
  if (d.op === 'remove') return [...base, '-MX', key(d.service, d.type)];
  return [...base, '-P', ...d.params.map(([n, v]) => `${key(d.service, d.type)}/${n}=${v}`)];
}

/** Is the service one the master should now listen for, and where? null when not (yet) expected. */
async function expectedListener(ctx: ModuleContext, service: string, type: string): Promise<{ svc: MasterService; why: string } | { svc: null; why: string }> {
  const dir = ctx.facts.postfix.configDir;
  const services = await gatherMasterServices(ctx, dir);
  const svc = services.find((s) => s.service === service && s.type === type);
  if (!svc) return { svc: null, why: `${key(service, type)} is not in master.cf` };
  if (svc.type !== 'inet' || svc.port === null) return { svc: null, why: `${key(service, type)} has no TCP port` };
  const msd = await ctx.exec.run(['postconf', '-c', dir, '-h', 'master_service_disable'], { timeoutMs: 10_000 });
  const by = disabledBy(msd.stdout.trim(), service, type);
  if (by !== null) return { svc: null, why: `master_service_disable (${by}) keeps ${key(service, type)} off` };
  if (!(await postfixRunning(ctx))) return { svc: null, why: 'Postfix is not running: the service starts with it' };
  return { svc, why: '' };
}

export const masterServiceModule = defineActionModule({
  name: 'master-service',
  description: 'Add, change (-o parameters) or remove a master.cf service with postconf -M/-P/-MX; postfix check, then reload.',
  args: ARGS,
  data: DATA,
  restore: STATE,
  applied: APPLIED,

  async inspect(ctx, args) {
    const [masterCf, svc] = await Promise.all([snapshotFile(ctx.fs, masterCfPath(ctx.facts.postfix.configDir)), readService(ctx, args.service, args.type)]);
    return { masterCf, ...svc };
  },

  diff(ctx, args, st) {
    const configDir = ctx.facts.postfix.configDir;
    const who = key(args.service, args.type);
    let edit: MasterEdit;
    let data: Data;
    const base = { configDir, service: args.service, type: args.type, action: args.apply } as const;
    if (args.state === 'absent') {
      if (st.entry === null) return null;
      edit = { kind: 'remove', service: args.service, type: args.type };
      data = { ...base, op: 'remove', entry: null, params: [], expectedSha256: '' };
    } else if (st.entry === null) {
      if (args.fields === undefined) throw new NotApplicable(`${who} is not in master.cf, and the step gives no fields to create it with`);
      const params = wantedParams(args);
      const argv = [args.service, args.type, ...splitEntry(args.fields), ...params.flatMap(([n, v]) => ['-o', `${n}=${v}`])];
      edit = { kind: 'add', argv };
      data = { ...base, op: 'add', entry: argv.join(' '), params, expectedSha256: '' };
    } else {
      const params = wantedParams(args).filter(([n, v]) => st.params[n] !== v);
      if (params.length === 0) return null;
      edit = { kind: 'set-params', service: args.service, type: args.type, params };
      data = { ...base, op: 'set-params', entry: null, params, expectedSha256: '' };
    }
    const before = snapshotText(st.masterCf);
    const after = applyMasterEdit(before, edit);
    data.expectedSha256 = sha256(after);
    const kept = st.entry !== null && args.state === 'present' && args.fields !== undefined ? [`  ${who} exists (${st.entry.split('\n')[0]?.replace(/\s+/g, ' ')}): its fields are kept, only its -o parameters are set`] : [];
    return {
      summary: `${describeOp(data)}${args.apply === 'reload' ? '; then reload Postfix if running' : ''}`,
      diff: [
        ...unifiedDiff(masterCfPath(configDir), before, after),
        ...kept,
        `~ ${formatArgv(postconfArgv(data))}`,
        '~ postfix check (the change is undone if it fails)',
        ...(args.apply === 'reload' ? ['~ if Postfix is running, reload it (a new service needs no restart)'] : []),
      ],
      data,
      intent: { configDir, service: args.service, type: args.type, op: data.op, entry: data.entry, params: data.params, from: { entry: st.entry, params: st.params }, action: args.apply },
      restore: st,
      touchesPostfix: args.apply === 'reload',
    };
  },

  async apply(anyCtx, _args, { data }) {
    const ctx = atConfigDir(anyCtx, data.configDir);
    await mustRun(ctx.exec, postconfArgv(data), `postconf ${describeOp(data)}`, { timeoutMs: 15_000 });
    const writtenSha256 = await currentSha(ctx.fs, masterCfPath(data.configDir));
    await postfixCheck(ctx);
    const wasRunning = await postfixRunning(ctx);
    if (wasRunning && data.action === 'reload') await controlPostfix(ctx, 'reload');
    return { writtenSha256, wasRunning };
  },

  async verify(anyCtx, args, { data }) {
    const ctx = atConfigDir(anyCtx, data.configDir);
    const now = await readService(ctx, data.service, data.type);
    const who = key(data.service, data.type);
    if (data.op === 'remove') return { ok: now.entry === null, evidence: [now.entry === null ? `${who}: not in master.cf` : `${who} is still in master.cf: ${now.entry}`] };
    const wanted = wantedParams(args);
    const wrong = wanted.filter(([n, v]) => now.params[n] !== v);
    const evidence = [now.entry === null ? `${who}: not in master.cf` : `postconf -M ${who}: ${now.entry.replace(/\s+/g, ' ')}`, ...wrong.map(([n, v]) => `${who}/${n} = ${now.params[n] ?? '(unset)'} (wanted ${v})`)];
    let ok = now.entry !== null && wrong.length === 0;
    if (!ok || data.action !== 'reload') return { ok, evidence };
    // Taking effect: a running master listens for a new inet service once it has reloaded.
    const expected = await expectedListener(ctx, data.service, data.type);
    if (expected.svc === null) return { ok, evidence: [...evidence, expected.why] };
    const svc = expected.svc;
    const port = svc.port as number;
    const bound = async (): Promise<string[]> => (await gatherListeners(ctx, () => undefined)).filter((l) => l.port === port && l.process === 'master' && (svc.address === null || l.address === svc.address)).map((l) => l.address);
    const listening = await waitFor(async () => (await bound()).length > 0, 15_000, 200);
    const addresses = await bound();
    evidence.push(listening ? `the master listens on port ${port} (${addresses.join(', ')})` : `nothing listens on port ${port} 15 s after the reload`);
    ok &&= listening;
    // A plain-text smtpd must greet; a TLS-first one (465) is proven listening only (no TLS client here).
    if (listening && svc.command === 'smtpd' && svc.params.smtpd_tls_wrappermode !== 'yes') {
      const host = addresses.some((a) => a === '0.0.0.0' || a === '*') ? '127.0.0.1' : addresses.includes('::') && !addresses.some((a) => !a.includes(':')) ? '::1' : (addresses[0] as string);
      const r = await ctx.dialer(host, port, { connectTimeoutMs: 3_000, bannerTimeoutMs: 5_000, deadline: Math.min(ctx.deadline, Date.now() + 10_000) });
      evidence.push(describeDial(r));
      ok &&= r.outcome === 'banner' && r.code === 220;
    }
    return { ok, evidence };
  },

  async undo(anyCtx, { change: { data, restore: before }, applied }) {
    const ctx = atConfigDir(anyCtx, data.configDir);
    const path = masterCfPath(data.configDir);
    const now = await currentSha(ctx.fs, path);
    const evidence: string[] = [];
    if (now === before.masterCf.sha256) evidence.push('master.cf is already as before');
    else if (now === (applied?.writtenSha256 ?? data.expectedSha256) || now === data.expectedSha256) {
      await restoreSnapshot(ctx.fs, before.masterCf);
      evidence.push(`restored master.cf byte for byte (sha256 ${before.masterCf.sha256?.slice(0, 12)})`);
    } else {
      // Someone edited master.cf after us: take back only what this step did, through postconf.
      const dir = data.configDir;
      const who = key(data.service, data.type);
      if (data.op === 'add') await mustRun(ctx.exec, ['postconf', '-c', dir, '-MX', who], `remove ${who}`);
      else if (data.op === 'remove' && before.entry !== null) {
        await mustRun(ctx.exec, ['postconf', '-c', dir, '-M', `${who}=${before.entry.replace(/\s+/g, ' ')}`], `restore ${who}`);
      } else {
        for (const [name] of data.params) {
          const was = before.params[name];
          if (was !== undefined) await mustRun(ctx.exec, ['postconf', '-c', dir, '-P', `${who}/${name}=${was}`], `restore ${who}/${name}`);
          else await mustRun(ctx.exec, ['postconf', '-c', dir, '-PX', `${who}/${name}`], `remove ${who}/${name}`);
        }
      }
      evidence.push('master.cf was changed by someone else since: took back only what this step did');
    }
    if ((await postfixRunning(ctx)) && data.action === 'reload') {
      const check = await ctx.exec.run(['postfix', '-c', data.configDir, 'check'], { timeoutMs: 30_000 });
      if (check.exitCode === 0) {
        await controlPostfix(ctx, 'reload');
        evidence.push('postfix reloaded to load the restored master.cf');
      } else evidence.push('the restored configuration fails `postfix check` (as before the change): Postfix was not reloaded', ...describeResult(check));
    }
    const after = await readService(ctx, data.service, data.type);
    const same = (after.entry === null) === (before.entry === null) && Object.keys(before.params).every((n) => after.params[n] === before.params[n]) && Object.keys(after.params).every((n) => n in before.params);
    evidence.push(after.entry === null ? `${key(data.service, data.type)}: not in master.cf` : `${key(data.service, data.type)}: ${after.entry.replace(/\s+/g, ' ')}`);
    if (!same) throw new StepFailure(`${key(data.service, data.type)} could not be restored`, evidence);
    return evidence;
  },
});
