// service: make a service started/stopped, enabled/disabled, masked/unmasked — through the
// manager that actually runs on this host (systemd, OpenRC, SysV, or Postfix's own commands in
// a container without one).

import type { JsonObject, JsonValue } from '../../core/json.js';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { postfixCheck, postfixRunning } from '../postfix-control.js';
import type { ActionModule, Change, ModuleContext, Outcome, UndoRecord } from '../types.js';
import { directBackend } from './direct.js';
import { openrcBackend } from './openrc.js';
import { inOrder, restoreActions, restored } from './restore.js';
import { systemdBackend } from './systemd.js';
import { sysvBackend } from './sysv.js';
import type { ServiceAction, ServiceArgs, ServiceBackend, UnitState } from './types.js';

// A unit or init-script name as systemd allows them (letters, digits, `:-_.\@`), not starting with
// `-` or `.`: it is passed to `service NAME` / `rc-service NAME`, where `-x` would be an option and
// `../x` a path to run.
const unitName = { type: 'string', minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_@:\\\\][A-Za-z0-9_@:.\\\\-]*$' };

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: {
    service: {
      description: 'Unit/script name, or candidate names in order (the ones that exist are managed).',
      oneOf: [unitName, { type: 'array', minItems: 1, items: unitName }],
    },
    state: { enum: ['started', 'stopped'] },
    enabled: { type: 'boolean' },
    masked: { type: 'boolean' },
  },
};

interface ServiceState extends JsonObject {
  manager: string;
  units: UnitState[];
  /** For Postfix: is the master really running (a unit can be "active" with no master)? */
  postfixRunning: boolean | null;
}

function parseArgs(args: JsonObject): ServiceArgs {
  const s = args.service;
  return {
    service: (Array.isArray(s) ? s : [s]).map(String),
    ...(args.state !== undefined ? { state: args.state as 'started' | 'stopped' } : {}),
    ...(args.enabled !== undefined ? { enabled: Boolean(args.enabled) } : {}),
    ...(args.masked !== undefined ? { masked: Boolean(args.masked) } : {}),
  };
}

function isPostfix(ctx: ModuleContext, names: string[]): boolean {
  return names.some((n) => n === 'postfix' || ctx.profile.services.postfix.includes(n));
}

function backendFor(ctx: ModuleContext, names: string[], manager: string = ctx.facts.init.manager): ServiceBackend {
  switch (manager) {
    case 'systemd':
      return systemdBackend(ctx.exec);
    case 'openrc':
      return openrcBackend(ctx.exec);
    case 'sysv':
      return sysvBackend(ctx.exec);
    case 'direct':
      if (!isPostfix(ctx, names)) throw new NotApplicable(`no service manager runs here (PID 1 is ${ctx.facts.init.pid1}), so ${names.join('/')} cannot be managed as a service; the process module stops a daemon by pid`);
      return directBackend(ctx);
    default:
      throw new NotApplicable(`unknown service manager ${JSON.stringify(manager)}`);
  }
}

const UNDO_ATTEMPTS = 3;
const UNDO_SETTLE_MS = 1_000;

function plan(args: ServiceArgs, st: ServiceState, supportsMask: boolean): ServiceAction[] {
  const existing = st.units.filter((u) => u.exists);
  if (existing.length === 0) return [];
  const primary = existing[0] as UnitState;
  const actions: ServiceAction[] = [];
  if (args.masked === false || args.state === 'started' || args.enabled === true) {
    for (const u of existing) if (u.masked) actions.push({ verb: 'unmask', unit: u.unit });
  }
  if (args.enabled === true && primary.enabled === false && primary.toggleable) actions.push({ verb: 'enable', unit: primary.unit });
  if (args.enabled === false) for (const u of existing) if (u.enabled === true && u.toggleable && !u.masked) actions.push({ verb: 'disable', unit: u.unit });
  if (args.state === 'started') {
    const notActive = existing.filter((u) => !u.active);
    if (st.postfixRunning === false && notActive.length === 0) {
      // Debian: postfix.service is a oneshot that stays "active" while postfix@- is dead.
      actions.push({ verb: 'start', unit: (existing[existing.length - 1] as UnitState).unit });
    } else for (const u of notActive) actions.push({ verb: 'start', unit: u.unit });
  }
  if (args.state === 'stopped') for (const u of existing) if (u.active) actions.push({ verb: 'stop', unit: u.unit });
  if (args.masked === true && supportsMask) for (const u of existing) if (!u.masked && u.maskable) actions.push({ verb: 'mask', unit: u.unit });
  return inOrder(actions);
}

export const serviceModule: ActionModule = {
  name: 'service',
  description: 'Start/stop, enable/disable, mask/unmask a service through the manager that runs here.',
  argsSchema,

  async inspect(ctx, rawArgs) {
    const args = parseArgs(rawArgs);
    const backend = backendFor(ctx, args.service);
    if (args.masked !== undefined && !backend.supportsMask) throw new NotApplicable(`masking needs systemd; this host uses ${backend.manager}`);
    const units = await backend.read(args.service);
    const state: ServiceState = { manager: backend.manager, units, postfixRunning: isPostfix(ctx, args.service) ? await postfixRunning(ctx) : null };
    return state;
  },

  diff(ctx, rawArgs, rawState) {
    const args = parseArgs(rawArgs);
    const st = rawState as ServiceState;
    if (!st.units.some((u) => u.exists)) {
      if (args.state === 'stopped' || args.enabled === false || args.masked === true) return null; // nothing installed: already "off"
      throw new NotApplicable(`none of ${args.service.join(', ')} exists on this host`);
    }
    const backend = backendFor(ctx, args.service);
    const actions = plan(args, st, backend.supportsMask);
    if (actions.length === 0) return null;
    const byUnit = new Map(st.units.map((u) => [u.unit, u]));
    const checkFirst = isPostfix(ctx, args.service) && actions.some((a) => a.verb === 'start');
    const change: Change = {
      summary: actions.map((a) => `${a.verb} ${a.unit}`).join(', '),
      diff: [
        ...(checkFirst ? ['~ postfix check   (must pass before Postfix is started)'] : []),
        ...actions.map((a) => `~ ${backend.describe(a)}   (now: ${byUnit.get(a.unit)?.detail ?? 'unknown'})`),
        ...(args.masked === true ? st.units.filter((u) => u.exists && !u.masked && !u.maskable).map((u) => `  not masked: ${u.unit}'s unit file is in /etc/systemd/system (systemd cannot mask it); it is disabled instead`) : []),
      ],
      data: actions as unknown as JsonValue,
      intent: actions as unknown as JsonValue,
      restore: st,
      touchesPostfix: isPostfix(ctx, args.service),
    };
    return change;
  },

  async apply(ctx, rawArgs, change) {
    const args = parseArgs(rawArgs);
    const backend = backendFor(ctx, args.service);
    const actions = change.data as unknown as ServiceAction[];
    if (isPostfix(ctx, args.service) && actions.some((a) => a.verb === 'start')) await postfixCheck(ctx);
    for (const a of actions) await backend.run(a);
    return undefined;
  },

  async verify(ctx, rawArgs): Promise<Outcome> {
    const args = parseArgs(rawArgs);
    const backend = backendFor(ctx, args.service);
    const units = (await backend.read(args.service)).filter((u) => u.exists);
    const evidence = units.map((u) => `${u.unit}: ${u.detail}`);
    let ok = true;
    if (args.state === 'started') {
      ok &&= units.every((u) => u.active);
      if (isPostfix(ctx, args.service)) {
        const running = await postfixRunning(ctx);
        evidence.push(`postfix status: ${running ? 'running' : 'not running'}`);
        ok &&= running;
      }
    }
    if (args.state === 'stopped') ok &&= units.every((u) => !u.active);
    if (args.enabled !== undefined) ok &&= units.slice(0, 1).every((u) => u.enabled === null || u.enabled === args.enabled || (args.enabled === false && u.masked));
    if (args.masked !== undefined && backend.supportsMask) ok &&= units.every((u) => u.masked === args.masked || (args.masked && !u.maskable));
    return { ok, evidence };
  },

  async undo(ctx, record: UndoRecord): Promise<Outcome> {
    const args = parseArgs(record.args);
    const before = record.change.restore as ServiceState;
    // Through the manager the change was made with, whatever this later look at the host says.
    const backend = backendFor(ctx, args.service, before.manager);
    // Converge, a few times: after a run killed in the middle of a start (no `applied` record),
    // an orphaned `postfix start` may still be bringing the master up when the first look says
    // it is down — so then one more look after a pause even when the first one was right.
    const crashedMidApply = record.interrupted === true;
    const done: ServiceAction[] = [];
    let after: UnitState[] = [];
    let ok = false;
    for (let attempt = 0; attempt < UNDO_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, UNDO_SETTLE_MS));
      const actions = restoreActions(before.units, await backend.read(args.service), backend.supportsMask);
      for (const a of actions) await backend.run(a);
      done.push(...actions);
      after = await backend.read(args.service);
      ok = restored(before.units, after);
      if (ok && (!crashedMidApply || attempt > 0)) break;
    }
    const evidence = after.filter((u) => u.exists).map((u) => `${u.unit}: ${u.detail}`);
    if (!ok) throw new StepFailure('service state could not be fully restored', evidence);
    return { ok, evidence: done.length ? [...done.map((a) => `undone: ${backend.describe(a)}`), ...evidence] : ['nothing to undo: state already as before', ...evidence] };
  },
};
