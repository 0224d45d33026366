import type { JsonObject } from '../../core/json.js';

export type ServiceVerb = 'start' | 'stop' | 'enable' | 'disable' | 'mask' | 'unmask';

export interface ServiceAction {
  verb: ServiceVerb;
  unit: string;
}

/** One unit/script as we saw it. `enabled` null: this manager cannot say. */
export interface UnitState extends JsonObject {
  unit: string;
  exists: boolean;
  active: boolean;
  enabled: boolean | null;
  masked: boolean;
  /** enable/disable applies (systemd: a unit file that is plainly enabled or disabled, not static/generated). */
  toggleable: boolean;
  /** Masking is possible (systemd refuses when the unit file itself is in /etc/systemd/system). */
  maskable: boolean;
  /** The manager's own word for it (UnitFileState, rc-update runlevel…), for the diff. */
  detail: string;
}

export interface ServiceArgs {
  service: string[];
  state?: 'started' | 'stopped';
  enabled?: boolean;
  masked?: boolean;
}

/** How one service manager reads and changes units. One file per manager. */
export interface ServiceBackend {
  readonly manager: string;
  read(units: string[]): Promise<UnitState[]>;
  run(action: ServiceAction): Promise<void>;
  /** The command shown in the plan for an action. */
  describe(action: ServiceAction): string;
  supportsMask: boolean;
}
