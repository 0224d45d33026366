// service: make a service started/stopped, enabled/disabled, masked/unmasked — through the
// manager that actually runs on this host (systemd, OpenRC, SysV, or Postfix's own commands in
// a container without one).

import type { FromSchema } from 'json-schema-to-ts';
import type { ServiceManager } from '../../core/profile.js';
import { NotApplicable, StepFailure } from '../../core/errors.js';
import { defineActionModule } from '../define.js';
import { postfixCheck, postfixRunning } from '../postfix-control.js';
import type { ModuleContext } from '../types.js';
import { directBackend, isPostfix } from './direct.js';
import { openrcBackend } from './openrc.js';
import { planActions, restored } from './restore.js';
import { systemdBackend } from './systemd.js';
import { sysvBackend } from './sysv.js';
import { SERVICE_ACTION_SCHEMA, SERVICE_MANAGER_SCHEMA, UNIT_NAME_SCHEMA, UNIT_STATE_SCHEMA } from './types.js';
import type { ServiceAction, ServiceBackend, ServiceWants, UnitState } from './types.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['service'],
  properties: {
    service: {
      description: 'Unit/script name, or candidate names in order (the ones that exist are managed).',
      oneOf: [UNIT_NAME_SCHEMA, { type: 'array', minItems: 1, items: UNIT_NAME_SCHEMA }],
    },
    state: { enum: ['started', 'stopped'] },
    enabled: { type: 'boolean' },
    masked: { type: 'boolean' },
  },
} as const;

const STATE = {
  type: 'object',
  additionalProperties: false,
  required: ['manager', 'units', 'postfixRunning'],
  properties: {
    /** The manager the change is made through: undo goes through the same one. */
    manager: SERVICE_MANAGER_SCHEMA,
    units: { type: 'array', items: UNIT_STATE_SCHEMA },
    /** For Postfix: is the master really running (a unit can be "active" with no master)? null: not Postfix. */
    postfixRunning: { type: ['boolean', 'null'] },
  },
} as const;

/** The actions, in the order apply runs them. */
const DATA = { type: 'array', minItems: 1, items: SERVICE_ACTION_SCHEMA } as const;

/** Every manager postfix-fix can work through. A new one: its file, its test, and a line here. */
const BACKENDS: Readonly<Record<ServiceManager, (ctx: ModuleContext) => ServiceBackend>> = {
  systemd: (ctx) => systemdBackend(ctx.exec),
  openrc: (ctx) => openrcBackend(ctx.exec),
  sysv: (ctx) => sysvBackend(ctx.exec),
  direct: directBackend,
};

function backendFor(ctx: ModuleContext, manager: string = ctx.facts.init.manager): ServiceBackend {
  const make = Object.hasOwn(BACKENDS, manager) ? BACKENDS[manager as ServiceManager] : undefined;
  if (!make) throw new NotApplicable(`unknown service manager ${JSON.stringify(manager)}`);
  return make(ctx);
}

function wantsOf(args: FromSchema<typeof ARGS>): ServiceWants {
  const { service, ...rest } = args;
  return { service: typeof service === 'string' ? [service] : [...service], ...rest };
}

const UNDO_ATTEMPTS = 3;
const UNDO_SETTLE_MS = 1_000;

export const serviceModule = defineActionModule({
  name: 'service',
  description: 'Start/stop, enable/disable, mask/unmask a service through the manager that runs here.',
  args: ARGS,
  data: DATA,
  restore: STATE,

  async inspect(ctx, args) {
    const wants = wantsOf(args);
    const backend = backendFor(ctx);
    if (wants.masked !== undefined && !backend.supportsMask) throw new NotApplicable(`masking needs systemd; this host uses ${backend.manager}`);
    const units = await backend.inspect(wants.service);
    return { manager: backend.manager, units, postfixRunning: isPostfix(ctx, wants.service) ? await postfixRunning(ctx) : null };
  },

  diff(ctx, args, st) {
    const wants = wantsOf(args);
    if (!st.units.some((u) => u.exists)) {
      if (wants.state === 'stopped' || wants.enabled === false || wants.masked === true) return null; // nothing installed: already "off"
      throw new NotApplicable(`none of ${wants.service.join(', ')} exists on this host`);
    }
    const backend = backendFor(ctx);
    const actions = planActions(wants, st.units, st.postfixRunning, backend.supportsMask);
    if (actions.length === 0) return null;
    const byUnit = new Map(st.units.map((u) => [u.unit, u]));
    const checkFirst = isPostfix(ctx, wants.service) && actions.some((a) => a.verb === 'start');
    return {
      summary: actions.map((a) => `${a.verb} ${a.unit}`).join(', '),
      diff: [
        ...(checkFirst ? ['~ postfix check   (must pass before Postfix is started)'] : []),
        ...actions.map((a) => `~ ${backend.diff(a)}   (now: ${byUnit.get(a.unit)?.detail ?? 'unknown'})`),
        ...(wants.masked === true ? st.units.filter((u) => u.exists && !u.masked && !u.maskable).map((u) => `  not masked: ${u.unit}'s unit file is in /etc/systemd/system (systemd cannot mask it); it is disabled instead`) : []),
      ],
      data: actions,
      intent: actions,
      restore: st,
      touchesPostfix: isPostfix(ctx, wants.service),
    };
  },

  async apply(ctx, args, { data: actions }) {
    const wants = wantsOf(args);
    const backend = backendFor(ctx);
    if (isPostfix(ctx, wants.service) && actions.some((a) => a.verb === 'start')) await postfixCheck(ctx);
    for (const a of actions) await backend.apply(a);
    return undefined;
  },

  async verify(ctx, args) {
    const wants = wantsOf(args);
    const backend = backendFor(ctx);
    const units = await backend.inspect(wants.service);
    const evidence = units.filter((u) => u.exists).map((u) => `${u.unit}: ${u.detail}`);
    let ok = backend.verify(wants, units);
    if (wants.state === 'started' && isPostfix(ctx, wants.service)) {
      const running = await postfixRunning(ctx);
      evidence.push(`postfix status: ${running ? 'running' : 'not running'}`);
      ok &&= running;
    }
    return { ok, evidence };
  },

  async undo(ctx, { args, change: { restore: before }, interrupted }) {
    const { service } = wantsOf(args);
    // Through the manager the change was made with, whatever this later look at the host says.
    const backend = backendFor(ctx, before.manager);
    // Converge, a few times: after a run killed in the middle of a start (no `applied` record),
    // an orphaned `postfix start` may still be bringing the master up when the first look says
    // it is down — so then one more look after a pause even when the first one was right.
    const done: ServiceAction[] = [];
    let after: UnitState[] = [];
    let ok = false;
    for (let attempt = 0; attempt < UNDO_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, UNDO_SETTLE_MS));
      const actions = backend.undo(before.units, await backend.inspect(service));
      for (const a of actions) await backend.apply(a);
      done.push(...actions);
      after = await backend.inspect(service);
      ok = restored(before.units, after);
      if (ok && (interrupted !== true || attempt > 0)) break;
    }
    const evidence = after.filter((u) => u.exists).map((u) => `${u.unit}: ${u.detail}`);
    if (!ok) throw new StepFailure('service state could not be fully restored', evidence);
    return done.length ? [...done.map((a) => `undone: ${backend.diff(a)}`), ...evidence] : ['nothing to undo: state already as before', ...evidence];
  },
});
