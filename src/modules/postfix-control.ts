// Start, stop, restart or reload Postfix through whatever really manages it here. Shared by the
// service and postconf modules so "restart Postfix" means one thing everywhere.
// Why restart and not reload for some parameters: Postfix ignores inet_interfaces and
// inet_protocols changes on reload ("warning: service smtp: ignoring inet_interfaces change").

import { join } from 'node:path';
import { execRefused } from '../exec/refused.js';
import type { ModuleContext } from './types.js';
import { StepFailure } from '../core/errors.js';
import { describeResult, mustRun, waitFor } from '../exec/command.js';

export const RESTART_PARAMS = new Set(['inet_interfaces', 'inet_protocols', 'queue_directory', 'data_directory', 'config_directory', 'mail_owner', 'process_id_directory', 'daemon_directory']);

export type PostfixAction = 'start' | 'stop' | 'restart' | 'reload';

/**
 * Is the Postfix master really running? `postfix status` alone is not enough: it only tests the
 * lock on master.pid, so any process holding that lock makes it say "running" while nothing
 * listens. Running = status says so AND the pid in master.pid is a live process named `master`.
 */
export async function postfixRunning(ctx: ModuleContext): Promise<boolean> {
  const r = await ctx.exec.run(['postfix', '-c', ctx.facts.postfix.configDir, 'status'], { timeoutMs: 10_000 });
  if (r.exitCode !== 0) return false;
  const pidText = await ctx.fs.tryReadText(join(ctx.facts.postfix.queueDir, 'pid', 'master.pid')).catch(() => null);
  const pid = Number(pidText?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return false;
  const comm = await ctx.fs.tryReadText(`/proc/${pid}/comm`).catch(() => null);
  return comm?.trim() === 'master';
}

/** `postfix check` must pass before Postfix is (re)started or reloaded with a changed config. */
export async function postfixCheck(ctx: ModuleContext): Promise<void> {
  const r = await ctx.exec.run(['postfix', '-c', ctx.facts.postfix.configDir, 'check'], { timeoutMs: 30_000 });
  const problems = (r.stdout + r.stderr).split('\n').filter((l) => /\bfatal:/.test(l));
  // `postfix` could not be executed at all: not a verdict on the configuration.
  if (execRefused(r, 'postfix')) throw new StepFailure('`postfix check` could not run: executing `postfix` was refused (under SELinux: the domain postfix-fix runs in may not run Postfix\'s commands)', describeResult(r));
  if (r.exitCode !== 0 || problems.length > 0) throw new StepFailure('`postfix check` failed: the new configuration is not safe to load', describeResult(r));
}

export function describePostfixAction(ctx: ModuleContext, action: PostfixAction): string {
  const unit = primaryUnit(ctx);
  switch (ctx.facts.init.manager) {
    case 'systemd':
      return `systemctl ${action} ${unit}`;
    case 'openrc':
      return `rc-service ${unit} ${action}`;
    case 'sysv':
      return `service ${unit} ${action}`;
    default:
      return action === 'restart' ? 'postfix stop; postfix start' : `postfix ${action}`;
  }
}

function primaryUnit(ctx: ModuleContext): string {
  return ctx.facts.postfix.unit ?? ctx.profile.services.postfix[0] ?? 'postfix';
}

export async function controlPostfix(ctx: ModuleContext, action: PostfixAction, manager: string = ctx.facts.init.manager): Promise<void> {
  const unit = primaryUnit(ctx);
  const configDir = ctx.facts.postfix.configDir;
  const what = `${action} postfix`;
  switch (manager) {
    case 'systemd':
      await mustRun(ctx.exec, ['systemctl', action, unit], what, { timeoutMs: 90_000 });
      break;
    case 'openrc':
      await mustRun(ctx.exec, ['rc-service', unit, action], what, { timeoutMs: 90_000 });
      break;
    case 'sysv':
      await mustRun(ctx.exec, ['service', unit, action], what, { timeoutMs: 90_000 });
      break;
    case 'direct':
      if (action === 'restart') {
        if (await postfixRunning(ctx)) await mustRun(ctx.exec, ['postfix', '-c', configDir, 'stop'], 'stop postfix', { timeoutMs: 60_000 });
        await waitStopped(ctx);
        await mustRun(ctx.exec, ['postfix', '-c', configDir, 'start'], 'start postfix', { timeoutMs: 60_000 });
      } else {
        await mustRun(ctx.exec, ['postfix', '-c', configDir, action], what, { timeoutMs: 60_000 });
      }
      break;
  }
  if (action === 'stop') await waitStopped(ctx);
  if (action === 'start' || action === 'restart') {
    // A manager may report success while the master dies right after (bad config, port taken).
    const up = await waitFor(() => postfixRunning(ctx), 10_000, 200);
    if (!up) throw new StepFailure(`postfix did not stay up after ${action}`, [`$ ${describePostfixAction(ctx, action)}`, 'postfix status: not running']);
  }
}

async function waitStopped(ctx: ModuleContext): Promise<void> {
  // `systemctl stop` and `postfix stop` return while the master is still exiting: poll.
  const down = await waitFor(async () => !(await postfixRunning(ctx)), 30_000, 200);
  if (!down) throw new StepFailure('postfix did not stop within 30 s');
}
