import type { Executor } from '../../core/exec.js';
import { StepFailure } from '../../core/errors.js';
import { mustRun } from '../../exec/command.js';
import { asWanted, restoreActions } from './restore.js';
import type { ServiceAction, ServiceBackend, UnitState } from './types.js';

// SysV init: run state through `service`; boot state through update-rc.d (Debian) or chkconfig
// (RHEL 6), whichever exists — and "unknown" when neither does, rather than a guess.
export function sysvBackend(exec: Executor): ServiceBackend {
  const enableTool = exec.has('update-rc.d') ? 'update-rc.d' : exec.has('chkconfig') ? 'chkconfig' : null;
  const argvOf = (a: ServiceAction): string[] => {
    if (a.verb !== 'enable' && a.verb !== 'disable') return ['service', a.unit, a.verb];
    if (enableTool === 'chkconfig') return ['chkconfig', a.unit, a.verb === 'enable' ? 'on' : 'off'];
    return ['update-rc.d', a.unit, a.verb];
  };
  return {
    manager: 'sysv',
    supportsMask: false,
    async inspect(units) {
      return Promise.all(
        units.map(async (unit): Promise<UnitState> => {
          const st = await exec.run(['service', unit, 'status'], { timeoutMs: 10_000 });
          const missing = st.exitCode === 4 || /unrecognized service|not found/i.test(st.stderr);
          let enabled: boolean | null = null;
          if (enableTool === 'chkconfig') enabled = /\b3:on\b/.test((await exec.run(['chkconfig', '--list', unit], { timeoutMs: 10_000 })).stdout);
          return { unit, exists: !missing, active: st.exitCode === 0, enabled, masked: false, toggleable: enableTool !== null && !missing, maskable: false, detail: st.exitCode === 0 ? 'running' : 'stopped' };
        }),
      );
    },
    diff: (a) => argvOf(a).join(' '),
    async apply(a) {
      if ((a.verb === 'enable' || a.verb === 'disable') && !enableTool) throw new StepFailure('neither update-rc.d nor chkconfig is installed');
      const argv = argvOf(a);
      await mustRun(exec, argv, argv.join(' '), { timeoutMs: 90_000 });
    },
    verify: (wants, units) => asWanted(wants, units, false),
    undo: (before, now) => restoreActions(before, now, false),
  };
}
