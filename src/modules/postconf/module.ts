// postconf: set main.cf parameters the way Postfix wants them set — `postconf -e` — after a
// byte-exact snapshot, with `postfix check` before anything is (re)loaded, and a full restart
// where a reload would be silently ignored (inet_interfaces, inet_protocols).

import { join } from 'node:path';
import type { FromSchema } from 'json-schema-to-ts';
import { StepFailure } from '../../core/errors.js';
import { describeResult, mustRun } from '../../exec/command.js';
import { defineActionModule } from '../define.js';
import { FILE_SNAPSHOT_SCHEMA, SHA256_SCHEMA, WRITTEN_FILE_SCHEMA, currentSha, restoreSnapshot, sha256, snapshotFile, snapshotText } from '../file-snapshot.js';
import { RESTART_PARAMS, controlPostfix, describePostfixAction, postfixCheck, postfixRunning } from '../postfix-control.js';
import { unifiedDiff } from '../text-diff.js';
import type { ModuleContext } from '../types.js';
import { applyPostconfEdits, parsePostconfN, sameValue } from './main-cf.js';

const PARAM_NAME = { pattern: '^[a-z][a-z0-9_]*$' } as const;
// One line each: `postconf -e` refuses a newline, and the plan's predicted diff must not show one.
const ONE_LINE = { type: 'string', pattern: '^[^\\n\\r\\u0000]*$' } as const;
const SHA256 = SHA256_SCHEMA;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['set'],
  properties: {
    set: {
      type: 'object',
      minProperties: 1,
      description: 'main.cf parameters to set; a list value is joined with ", ".',
      propertyNames: PARAM_NAME,
      additionalProperties: { oneOf: [ONE_LINE, { type: 'number' }, { type: 'array', items: { oneOf: [ONE_LINE, { type: 'number' }] } }] },
    },
    apply: { enum: ['auto', 'restart', 'reload', 'none'], default: 'auto', description: 'How a running Postfix picks the change up (auto: restart for inet_interfaces/inet_protocols, else reload).' },
    temporary: {
      type: 'object',
      additionalProperties: false,
      required: ['seconds', 'reason'],
      description: 'A change that must not last: undone by a deadline even if postfix-fix dies — at the end of the run, or (until_deadline) only at the deadline.',
      properties: {
        seconds: { type: 'integer', minimum: 10, maximum: 86400 },
        reason: { type: 'string', minLength: 1, maxLength: 200 },
        until_deadline: { type: 'boolean', default: false, description: 'Keep it after the run until the deadline (a safeguard weakened on request, for a while).' },
      },
    },
  },
} as const;

const STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['mainCf', 'params'],
  properties: {
    mainCf: FILE_SNAPSHOT_SCHEMA,
    /** Effective value of each requested parameter, and whether main.cf sets it explicitly. */
    params: {
      type: 'object',
      propertyNames: PARAM_NAME,
      additionalProperties: { type: 'object', additionalProperties: false, required: ['value', 'explicit'], properties: { value: { type: 'string' }, explicit: { type: 'boolean' } } },
    },
  },
} as const;

const POSTFIX_ACTION = { enum: ['restart', 'reload', 'none'] } as const;

const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['configDir', 'set', 'action', 'expectedSha256'],
  properties: {
    /** Recorded at plan time: undo must act on the config it changed, whatever facts say later. */
    configDir: { type: 'string', pattern: '^/' },
    /** [name, value] pairs, as `postconf -e` is given them. */
    set: { type: 'array', minItems: 1, items: { type: 'array', items: [{ type: 'string', ...PARAM_NAME }, ONE_LINE], minItems: 2, additionalItems: false } },
    action: POSTFIX_ACTION,
    expectedSha256: SHA256,
  },
} as const;

const APPLIED = WRITTEN_FILE_SCHEMA;

type Args = FromSchema<typeof ARGS>;
type PostconfState = FromSchema<typeof STATE>;

function wanted(args: Args): Array<[string, string]> {
  return Object.entries(args.set).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(', ') : String(v)]);
}

function mainCfPath(ctx: ModuleContext): string {
  return join(ctx.facts.postfix.configDir, 'main.cf');
}

/** The same context, aimed at the config dir a journaled change was made to. */
function atConfigDir(ctx: ModuleContext, configDir: string): ModuleContext {
  return configDir === ctx.facts.postfix.configDir ? ctx : { ...ctx, facts: { ...ctx.facts, postfix: { ...ctx.facts.postfix, configDir } } };
}

function chooseAction(mode: Args['apply'], names: string[]): FromSchema<typeof POSTFIX_ACTION> {
  if (mode === 'none') return 'none';
  if (mode === 'restart' || mode === 'reload') return mode;
  return names.some((n) => RESTART_PARAMS.has(n)) ? 'restart' : 'reload';
}

async function readParams(ctx: ModuleContext, names: string[]): Promise<PostconfState['params']> {
  const dir = ctx.facts.postfix.configDir;
  const [eff, explicit] = await Promise.all([
    ctx.exec.run(['postconf', '-c', dir, ...names], { timeoutMs: 10_000 }),
    ctx.exec.run(['postconf', '-c', dir, '-n', ...names], { timeoutMs: 10_000 }),
  ]);
  if (eff.exitCode !== 0) throw new StepFailure('cannot read Postfix parameters', describeResult(eff));
  const effective = parsePostconfN(eff.stdout);
  const set = parsePostconfN(explicit.stdout);
  return Object.fromEntries(names.map((n) => [n, { value: effective.get(n) ?? '', explicit: set.has(n) }]));
}

export const postconfModule = defineActionModule({
  name: 'postconf',
  description: 'Set main.cf parameters with postconf -e; postfix check, then restart or reload as the parameter needs.',
  args: ARGS,
  data: DATA,
  restore: STATE,
  applied: APPLIED,

  async inspect(ctx, args) {
    const names = wanted(args).map(([n]) => n);
    const [mainCf, params] = await Promise.all([snapshotFile(ctx.fs, mainCfPath(ctx)), readParams(ctx, names)]);
    return { mainCf, params };
  },

  diff(ctx, args, st) {
    const changes = wanted(args).filter(([n, v]) => !sameValue(st.params[n]?.value ?? '', v));
    if (changes.length === 0) return null;
    const before = snapshotText(st.mainCf);
    const after = applyPostconfEdits(before, changes);
    const action = chooseAction(args.apply, changes.map(([n]) => n));
    const why = action === 'restart' ? ` (${changes.filter(([n]) => RESTART_PARAMS.has(n)).map(([n]) => n).join(', ') || 'requested'}: a reload would not apply it)` : '';
    const data = { configDir: ctx.facts.postfix.configDir, set: changes, action, expectedSha256: sha256(after) };
    return {
      summary: changes.map(([n, v]) => `${n}: ${st.params[n]?.value || '(empty)'} → ${v}`).join('; ') + (action === 'none' ? '' : `; then ${action} Postfix if running`),
      diff: [
        ...unifiedDiff(mainCfPath(ctx), before, after),
        `~ postconf -c ${ctx.facts.postfix.configDir} -e ${changes.map(([n, v]) => `'${n}=${v}'`).join(' ')}`,
        '~ postfix check (the change is undone if it fails)',
        ...(action === 'none' ? [] : [`~ if Postfix is running, ${action} it: ${describePostfixAction(ctx, action)}${why}`]),
        ...(args.temporary
          ? [`~ undone ${args.temporary.until_deadline ? `${args.temporary.seconds} s after it is made (it stays after this run)` : `at the end of this run, or after ${args.temporary.seconds} s at the latest`}, even if postfix-fix is killed: main.cf restored, Postfix ${action === 'none' ? 'left as is' : `${action}ed`}`]
          : []),
      ],
      data,
      intent: { configDir: data.configDir, set: changes.map(([n, v]) => [n, st.params[n]?.value ?? '', v]), action },
      restore: st,
      touchesPostfix: action !== 'none',
      ...(args.temporary ? { temporary: { seconds: args.temporary.seconds, reason: args.temporary.reason, ...(args.temporary.until_deadline ? { untilDeadline: true } : {}) } } : {}),
    };
  },

  async apply(anyCtx, _args, { data }) {
    const ctx = atConfigDir(anyCtx, data.configDir);
    await mustRun(ctx.exec, ['postconf', '-c', ctx.facts.postfix.configDir, '-e', ...data.set.map(([n, v]) => `${n}=${v}`)], 'postconf -e', { timeoutMs: 15_000 });
    const writtenSha = await currentSha(ctx.fs, mainCfPath(ctx));
    await postfixCheck(ctx);
    // Asked after the edit: `postfix status` reads main.cf, and with the setting being fixed (an
    // inet_interfaces address the host lost) it dies before it can say a master runs.
    const wasRunning = await postfixRunning(ctx);
    if (wasRunning && data.action !== 'none') await controlPostfix(ctx, data.action);
    return { writtenSha256: writtenSha, wasRunning };
  },

  async verify(ctx, _args, { data }) {
    // `postfix check` already passed in apply, before anything was (re)loaded: here we confirm
    // the values and that a Postfix we restarted is up again.
    const params = await readParams(ctx, data.set.map(([n]) => n));
    const evidence = data.set.map(([n, v]) => `${n} = ${params[n]?.value ?? ''}${sameValue(params[n]?.value ?? '', v) ? '' : ` (wanted ${v})`}`);
    const ok = data.set.every(([n, v]) => sameValue(params[n]?.value ?? '', v));
    if (data.action !== 'none') {
      const running = await postfixRunning(ctx);
      evidence.push(`postfix status: ${running ? 'running' : 'not running'}`);
    }
    return { ok, evidence };
  },

  async undo(anyCtx, { change: { data, restore: before }, applied }) {
    const ctx = atConfigDir(anyCtx, data.configDir);
    const path = mainCfPath(ctx);
    const now = await currentSha(ctx.fs, path);
    const written = applied?.writtenSha256 ?? data.expectedSha256;
    const evidence: string[] = [];
    if (now === before.mainCf.sha256) {
      evidence.push('main.cf is already as before');
    } else if (now === written || now === data.expectedSha256) {
      await restoreSnapshot(ctx.fs, before.mainCf);
      evidence.push(`restored main.cf byte for byte (sha256 ${before.mainCf.sha256?.slice(0, 12)})`);
    } else {
      // Someone edited main.cf after us: put back only the parameters we changed.
      const dir = data.configDir;
      for (const [name] of data.set) {
        const was = before.params[name];
        if (was?.explicit) await mustRun(ctx.exec, ['postconf', '-c', dir, '-e', `${name}=${was.value}`], `restore ${name}`);
        else await mustRun(ctx.exec, ['postconf', '-c', dir, '-X', name], `remove ${name}`);
      }
      evidence.push('main.cf was changed by someone else since: restored only the parameters this step set');
    }
    // Undo restores what was there, healthy or not (the run may have been fixing a config that
    // fails `postfix check`). The check only decides whether a running Postfix may load it.
    const running = await postfixRunning(ctx);
    if (running && data.action !== 'none') {
      const check = await ctx.exec.run(['postfix', '-c', ctx.facts.postfix.configDir, 'check'], { timeoutMs: 30_000 });
      if (check.exitCode === 0) {
        await controlPostfix(ctx, data.action);
        evidence.push(`postfix ${data.action}ed to load the restored configuration`);
      } else evidence.push('the restored configuration fails `postfix check` (as before the change): Postfix was not reloaded', ...describeResult(check));
    }
    const params = await readParams(ctx, data.set.map(([n]) => n));
    const ok = data.set.every(([n]) => sameValue(params[n]?.value ?? '', before.params[n]?.value ?? ''));
    evidence.push(...data.set.map(([n]) => `${n} = ${params[n]?.value ?? ''}`));
    if (!ok) throw new StepFailure('main.cf parameters could not be restored', evidence);
    return evidence;
  },
});

// postconf-add (add.ts) journals exactly what this module does: the same schemas.
export { DATA as POSTCONF_DATA, STATE as POSTCONF_STATE, APPLIED as POSTCONF_APPLIED };
