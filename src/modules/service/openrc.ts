import type { Executor } from '../../core/exec.js';
import { mustRun } from '../../exec/command.js';
import { asWanted, restoreActions } from './restore.js';
import type { ServiceAction, ServiceBackend, UnitState } from './types.js';

/** `rc-update show default` lines look like `  postfix | default`. */
function parseRcUpdateShow(out: string): Set<string> {
  const names = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^\s*(\S+)\s*\|\s*(.*)$/.exec(line);
    if (m && /\bdefault\b/.test(m[2] as string)) names.add(m[1] as string);
  }
  return names;
}

const argvOf = (a: ServiceAction): string[] => (a.verb === 'enable' ? ['rc-update', 'add', a.unit, 'default'] : a.verb === 'disable' ? ['rc-update', 'del', a.unit, 'default'] : ['rc-service', a.unit, a.verb]);

// OpenRC: run state through rc-service, boot state as membership of the default runlevel.
export function openrcBackend(exec: Executor): ServiceBackend {
  return {
    manager: 'openrc',
    supportsMask: false,
    async inspect(units) {
      const enabled = parseRcUpdateShow((await exec.run(['rc-update', 'show', 'default'], { timeoutMs: 10_000 })).stdout);
      return Promise.all(
        units.map(async (unit): Promise<UnitState> => {
          const st = await exec.run(['rc-service', unit, 'status'], { timeoutMs: 10_000 });
          const missing = /does not exist/i.test(st.stderr + st.stdout);
          return { unit, exists: !missing, active: st.exitCode === 0, enabled: enabled.has(unit), masked: false, toggleable: !missing, maskable: false, detail: `${st.exitCode === 0 ? 'started' : 'stopped'}, ${enabled.has(unit) ? 'in runlevel default' : 'not in runlevel default'}` };
        }),
      );
    },
    diff: (a) => argvOf(a).join(' '),
    async apply(a) {
      const argv = argvOf(a);
      await mustRun(exec, argv, argv.join(' '), { timeoutMs: 90_000 });
    },
    verify: (wants, units) => asWanted(wants, units, false),
    undo: (before, now) => restoreActions(before, now, false),
  };
}
