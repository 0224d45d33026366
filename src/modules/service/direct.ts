import { NotApplicable, StepFailure } from '../../core/errors.js';
import { controlPostfix, postfixRunning } from '../postfix-control.js';
import type { ModuleContext } from '../types.js';
import { asWanted, restoreActions } from './restore.js';
import type { ServiceBackend } from './types.js';

export function isPostfix(ctx: ModuleContext, names: readonly string[]): boolean {
  return names.some((n) => n === 'postfix' || ctx.profile.services.postfix.includes(n));
}

// No service manager runs here (a container whose PID 1 is not an init): Postfix is managed with
// its own `postfix start|stop|status`, and nothing can make it start at boot — that is the job of
// whatever starts the container, so `enabled` is reported as unknown, never faked.
export function directBackend(ctx: ModuleContext): ServiceBackend {
  return {
    manager: 'direct',
    supportsMask: false,
    async inspect(units) {
      if (!isPostfix(ctx, units)) throw new NotApplicable(`no service manager runs here (PID 1 is ${ctx.facts.init.pid1}), so ${units.join('/')} cannot be managed as a service; the process module stops a daemon by pid`);
      const running = await postfixRunning(ctx);
      // The candidates are unit names of *one* Postfix (postfix.service, postfix@-.service):
      // without a manager there is only `postfix start|stop`, so only the first one "exists".
      return units.map((unit, i) => ({ unit, exists: i === 0, active: running, enabled: null, masked: false, toggleable: false, maskable: false, detail: running ? 'master running (postfix status)' : 'not running (postfix status)' }));
    },
    diff: (a) => `postfix ${a.verb}`,
    async apply(a) {
      if (a.verb !== 'start' && a.verb !== 'stop') throw new StepFailure(`cannot ${a.verb} without a service manager`);
      await controlPostfix(ctx, a.verb, 'direct');
    },
    verify: (wants, units) => asWanted(wants, units, false),
    undo: (before, now) => restoreActions(before, now, false),
  };
}
