// postconf: set main.cf parameters the way Postfix wants them set — `postconf -e` — after a
// byte-exact snapshot, with `postfix check` before anything is (re)loaded, and a full restart
// where a reload would be silently ignored (inet_interfaces, inet_protocols).

import { join } from 'node:path';
import type { JsonObject, JsonValue } from '../../core/json.js';
import { StepFailure } from '../../core/errors.js';
import { describeResult, mustRun } from '../../exec/command.js';
import { currentSha, restoreSnapshot, sha256, snapshotFile, snapshotText } from '../file-snapshot.js';
import type { FileSnapshot } from '../file-snapshot.js';
import { RESTART_PARAMS, controlPostfix, describePostfixAction, postfixCheck, postfixRunning } from '../postfix-control.js';
import { unifiedDiff } from '../text-diff.js';
import type { ActionModule, Change, ModuleContext, Outcome, UndoRecord } from '../types.js';
import { applyPostconfEdits, parsePostconfN, sameValue } from './main-cf.js';

type ApplyMode = 'auto' | 'restart' | 'reload' | 'none';

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['set'],
  properties: {
    set: {
      type: 'object',
      minProperties: 1,
      description: 'main.cf parameters to set; a list value is joined with ", ".',
      propertyNames: { pattern: '^[a-z][a-z0-9_]*$' },
      // One line each: `postconf -e` refuses a newline, and the plan's predicted diff must not show one.
      additionalProperties: { oneOf: [{ type: 'string', pattern: '^[^\\n\\r\\u0000]*$' }, { type: 'number' }, { type: 'array', items: { oneOf: [{ type: 'string', pattern: '^[^\\n\\r\\u0000]*$' }, { type: 'number' }] } }] },
    },
    apply: { enum: ['auto', 'restart', 'reload', 'none'], description: 'How a running Postfix picks the change up (auto: restart for inet_interfaces/inet_protocols, else reload).' },
  },
};

interface PostconfState extends JsonObject {
  mainCf: FileSnapshot;
  /** Effective value of each requested parameter, and whether main.cf sets it explicitly. */
  params: { [name: string]: { value: string; explicit: boolean } };
}

interface PostconfData extends JsonObject {
  /** Recorded at plan time: undo must act on the config it changed, whatever facts say later. */
  configDir: string;
  set: Array<[string, string]>;
  action: 'restart' | 'reload' | 'none';
  expectedSha256: string;
}

function wanted(args: JsonObject): Array<[string, string]> {
  return Object.entries(args.set as Record<string, JsonValue>).map(([k, v]) => [k, Array.isArray(v) ? v.map(String).join(', ') : String(v)]);
}

function mainCfPath(ctx: ModuleContext): string {
  return join(ctx.facts.postfix.configDir, 'main.cf');
}

/** The same context, aimed at the config dir a journaled change was made to. */
function atConfigDir(ctx: ModuleContext, configDir: string): ModuleContext {
  return configDir === ctx.facts.postfix.configDir ? ctx : { ...ctx, facts: { ...ctx.facts, postfix: { ...ctx.facts.postfix, configDir } } };
}

function chooseAction(mode: ApplyMode, names: string[]): 'restart' | 'reload' | 'none' {
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

export const postconfModule: ActionModule = {
  name: 'postconf',
  description: 'Set main.cf parameters with postconf -e; postfix check, then restart or reload as the parameter needs.',
  argsSchema,

  async inspect(ctx, args) {
    const names = wanted(args).map(([n]) => n);
    const [mainCf, params] = await Promise.all([snapshotFile(ctx.fs, mainCfPath(ctx)), readParams(ctx, names)]);
    const state: PostconfState = { mainCf, params };
    return state;
  },

  diff(ctx, args, raw) {
    const st = raw as PostconfState;
    const changes = wanted(args).filter(([n, v]) => !sameValue(st.params[n]?.value ?? '', v));
    if (changes.length === 0) return null;
    const before = snapshotText(st.mainCf);
    const after = applyPostconfEdits(before, changes);
    const action = chooseAction((args.apply as ApplyMode | undefined) ?? 'auto', changes.map(([n]) => n));
    const why = action === 'restart' ? ` (${changes.filter(([n]) => RESTART_PARAMS.has(n)).map(([n]) => n).join(', ') || 'requested'}: a reload would not apply it)` : '';
    const data: PostconfData = { configDir: ctx.facts.postfix.configDir, set: changes, action, expectedSha256: sha256(after) };
    const change: Change = {
      summary: changes.map(([n, v]) => `${n}: ${st.params[n]?.value || '(empty)'} → ${v}`).join('; ') + (action === 'none' ? '' : `; then ${action} Postfix if running`),
      diff: [
        ...unifiedDiff(mainCfPath(ctx), before, after),
        `~ postconf -c ${ctx.facts.postfix.configDir} -e ${changes.map(([n, v]) => `'${n}=${v}'`).join(' ')}`,
        '~ postfix check (the change is undone if it fails)',
        ...(action === 'none' ? [] : [`~ if Postfix is running, ${action} it: ${describePostfixAction(ctx, action)}${why}`]),
      ],
      data,
      intent: { configDir: data.configDir, set: changes.map(([n, v]) => [n, st.params[n]?.value ?? '', v]), action },
      restore: st,
      touchesPostfix: action !== 'none',
    };
    return change;
  },

  async apply(anyCtx, _args, change) {
    const data = change.data as PostconfData;
    const ctx = atConfigDir(anyCtx, data.configDir);
    const wasRunning = await postfixRunning(ctx);
    await mustRun(ctx.exec, ['postconf', '-c', ctx.facts.postfix.configDir, '-e', ...data.set.map(([n, v]) => `${n}=${v}`)], 'postconf -e', { timeoutMs: 15_000 });
    const writtenSha = await currentSha(ctx.fs, mainCfPath(ctx));
    await postfixCheck(ctx);
    if (wasRunning && data.action !== 'none') await controlPostfix(ctx, data.action);
    return { writtenSha256: writtenSha, wasRunning };
  },

  async verify(ctx, _args, change): Promise<Outcome> {
    // `postfix check` already passed in apply, before anything was (re)loaded: here we confirm
    // the values and that a Postfix we restarted is up again.
    const data = change.data as PostconfData;
    const params = await readParams(ctx, data.set.map(([n]) => n));
    const evidence = data.set.map(([n, v]) => `${n} = ${params[n]?.value ?? ''}${sameValue(params[n]?.value ?? '', v) ? '' : ` (wanted ${v})`}`);
    const ok = data.set.every(([n, v]) => sameValue(params[n]?.value ?? '', v));
    if (data.action !== 'none') {
      const running = await postfixRunning(ctx);
      evidence.push(`postfix status: ${running ? 'running' : 'not running'}`);
    }
    return { ok, evidence };
  },

  async undo(anyCtx, record: UndoRecord): Promise<Outcome> {
    const before = record.change.restore as PostconfState;
    const data = record.change.data as PostconfData;
    const ctx = atConfigDir(anyCtx, data.configDir);
    const path = mainCfPath(ctx);
    const now = await currentSha(ctx.fs, path);
    const written = (record.applied as { writtenSha256?: string } | undefined)?.writtenSha256 ?? data.expectedSha256;
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
    return { ok, evidence };
  },
};
