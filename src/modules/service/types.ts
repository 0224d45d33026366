// What the service module and its backends share: the schemas of what is journaled (a unit as
// seen, an action on it) and the contract a service manager's backend implements.

import type { FromSchema } from 'json-schema-to-ts';
import type { ServiceManager } from '../../core/profile.js';

// A unit or init-script name as systemd allows them (letters, digits, `:-_.\@`), not starting with
// `-` or `.`: it is passed to `service NAME` / `rc-service NAME`, where `-x` would be an option and
// `../x` a path to run.
export const UNIT_NAME_SCHEMA = { type: 'string', minLength: 1, maxLength: 256, pattern: '^[A-Za-z0-9_@:\\\\][A-Za-z0-9_@:.\\\\-]*$' } as const;

export const SERVICE_MANAGER_SCHEMA = { enum: ['systemd', 'openrc', 'sysv', 'direct'] } as const satisfies { enum: readonly ServiceManager[] };

/** One unit/script as we saw it. `enabled` null: this manager cannot say. */
export const UNIT_STATE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['unit', 'exists', 'active', 'enabled', 'masked', 'toggleable', 'maskable', 'detail'],
  properties: {
    unit: UNIT_NAME_SCHEMA,
    exists: { type: 'boolean' },
    active: { type: 'boolean' },
    enabled: { type: ['boolean', 'null'] },
    masked: { type: 'boolean' },
    /** enable/disable applies (systemd: a unit file that is plainly enabled or disabled, not static/generated). */
    toggleable: { type: 'boolean' },
    /** Masking is possible (systemd refuses when the unit file itself is in /etc/systemd/system). */
    maskable: { type: 'boolean' },
    /** The manager's own word for it (UnitFileState, rc-update runlevel…), for the diff. */
    detail: { type: 'string' },
  },
} as const;

export const SERVICE_ACTION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['verb', 'unit'],
  properties: { verb: { enum: ['start', 'stop', 'enable', 'disable', 'mask', 'unmask'] }, unit: UNIT_NAME_SCHEMA },
} as const;

export type UnitState = FromSchema<typeof UNIT_STATE_SCHEMA>;
export type ServiceAction = FromSchema<typeof SERVICE_ACTION_SCHEMA>;

/** What a step asks of its units: the module's args, with `service` always a list. */
export interface ServiceWants {
  service: string[];
  state?: 'started' | 'stopped';
  enabled?: boolean;
  masked?: boolean;
}

/**
 * One service manager, in the same five verbs as a module. A new manager is one file
 * implementing this (plus a line in module.ts's BACKENDS, and its test). What a backend reports
 * (`toggleable`, `maskable`, `enabled: null`) is what the shared decisions in restore.ts go by,
 * so most backends take their verify and undo from there.
 */
export interface ServiceBackend {
  readonly manager: ServiceManager;
  /** Only a manager that can mask units is asked to (args.masked elsewhere is not applicable). */
  readonly supportsMask: boolean;
  /** The units as this manager sees them now. Read-only. */
  inspect(units: readonly string[]): Promise<UnitState[]>;
  /** The command the plan shows for an action: exactly what `apply` runs. */
  diff(action: ServiceAction): string;
  /** Carry out one action; returns once the manager has done it. Throws StepFailure. */
  apply(action: ServiceAction): Promise<void>;
  /** Are the units, inspected now, as `wants` asks — as far as this manager can tell? */
  verify(wants: ServiceWants, units: readonly UnitState[]): boolean;
  /** The actions that take the units from `now` back to `before`, in the order they must run. */
  undo(before: readonly UnitState[], now: readonly UnitState[]): ServiceAction[];
}
