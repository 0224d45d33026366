import type { Executor } from '../../core/exec.js';
import { mustRun, waitFor } from '../../exec/command.js';
import { asWanted, restoreActions } from './restore.js';
import type { ServiceBackend, UnitState } from './types.js';

const ENABLED = new Set(['enabled', 'enabled-runtime', 'linked', 'linked-runtime', 'alias', 'indirect', 'generated', 'static', 'transient']);

/** Parse `systemctl show -p Id,LoadState,ActiveState,UnitFileState U1 U2 …` (blank-line separated blocks). */
function parseSystemctlShow(out: string, units: readonly string[]): UnitState[] {
  const blocks = out.split(/\n\s*\n/).filter((b) => b.trim() !== '');
  return units.map((unit, i) => {
    const kv = new Map<string, string>();
    for (const line of (blocks[i] ?? '').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
    }
    const load = kv.get('LoadState') ?? 'not-found';
    const active = kv.get('ActiveState') ?? 'inactive';
    const file = kv.get('UnitFileState') ?? '';
    const fragment = kv.get('FragmentPath') ?? '';
    return {
      unit,
      exists: load === 'loaded' || load === 'masked',
      active: active === 'active' || active === 'activating' || active === 'reloading',
      enabled: file === '' ? null : ENABLED.has(file),
      masked: load === 'masked' || file.startsWith('masked'),
      toggleable: file === 'enabled' || file === 'disabled',
      maskable: !fragment.startsWith('/etc/systemd/system/'),
      detail: `${active}, ${file || 'no unit file state'}`,
    };
  });
}

export function systemdBackend(exec: Executor): ServiceBackend {
  const inspect = async (units: readonly string[]): Promise<UnitState[]> => {
    const r = await exec.run(['systemctl', 'show', '--property=Id,LoadState,ActiveState,UnitFileState,FragmentPath', '--', ...units], { timeoutMs: 15_000 });
    return parseSystemctlShow(r.stdout, units);
  };
  return {
    manager: 'systemd',
    supportsMask: true,
    inspect,
    diff: (a) => `systemctl ${a.verb} ${a.unit}`,
    async apply(a) {
      await mustRun(exec, ['systemctl', a.verb, '--', a.unit], `systemctl ${a.verb} ${a.unit}`, { timeoutMs: 90_000 });
      if (a.verb === 'stop') {
        // `systemctl stop` can return while the unit is still deactivating.
        await waitFor(async () => !((await inspect([a.unit]))[0]?.active ?? false), 30_000, 200);
      }
    },
    verify: (wants, units) => asWanted(wants, units, true),
    undo: (before, now) => restoreActions(before, now, true),
  };
}
