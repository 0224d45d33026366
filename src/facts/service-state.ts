// Does the service manager know Postfix, start it at boot, and think it is running? Asked of
// each unit/script name the profile lists, in its order; the first the manager knows wins.

import { runTool } from './context.js';
import type { FactContext } from './context.js';
import type { ServiceManager } from '../core/profile.js';

export interface ServiceState {
  unit: string | null;
  enabled: boolean | null;
  unitState: string | null;
}

// `systemctl is-enabled` states that mean "comes up at boot" (static/indirect units come up when
// something wants them; Debian's postfix@- is `enabled-runtime` under its postfix.service).
const SYSTEMD_ENABLED = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'indirect', 'generated', 'linked', 'linked-runtime']);

export async function gatherServiceState(ctx: FactContext, manager: ServiceManager): Promise<ServiceState> {
  const names = ctx.profile.services.postfix;
  if (manager === 'systemd') return systemdState(ctx, names);
  if (manager === 'openrc') return openrcState(ctx, names);
  return { unit: null, enabled: null, unitState: null };
}

async function systemdState(ctx: FactContext, names: readonly string[]): Promise<ServiceState> {
  const answers = await Promise.all(
    names.map(async (unit) => {
      const [enabled, active] = await Promise.all([runTool(ctx, ['systemctl', 'is-enabled', unit], 2_000), runTool(ctx, ['systemctl', 'is-active', unit], 2_000)]);
      return { unit, enabled: enabled.stdout.trim(), active: active.stdout.trim(), missing: /not.found|No such file/i.test(enabled.stderr + enabled.stdout) };
    }),
  );
  const known = answers.find((a) => !a.missing && a.enabled !== '');
  if (!known) return { unit: null, enabled: null, unitState: null };
  return { unit: known.unit, enabled: SYSTEMD_ENABLED.has(known.enabled), unitState: known.active || null };
}

async function openrcState(ctx: FactContext, names: readonly string[]): Promise<ServiceState> {
  for (const name of names) {
    if (!(await ctx.fs.exists(`/etc/init.d/${name}`))) continue;
    const [update, status] = await Promise.all([runTool(ctx, ['rc-update', 'show', '--all'], 2_000), runTool(ctx, ['rc-service', name, 'status'], 2_000)]);
    const inRunlevel = update.stdout.split('\n').some((l) => {
      const [svc, levels] = l.split('|').map((s) => s.trim());
      return svc === name && (levels ?? '') !== '';
    });
    const state = /status:\s*(\w+)/.exec(status.stdout + status.stderr);
    return { unit: name, enabled: inRunlevel, unitState: state ? (state[1] as string) : null };
  }
  return { unit: null, enabled: null, unitState: null };
}
