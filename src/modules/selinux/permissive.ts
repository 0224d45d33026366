// selinux-permissive: `setenforce 0` for a limited time, only to confirm that SELinux is what
// blocks Postfix. It is a *temporary* change: the engine schedules its undo by a deadline before
// applying it (a transient systemd timer, or a detached watchdog), and undoes it at the end of the
// run in any case. Never edits /etc/selinux/config, so even a reboot restores enforcing mode.

import { StepFailure } from '../../core/errors.js';
import { mustRun } from '../../exec/command.js';
import { defineActionModule } from '../define.js';
import { ENFORCE_MODE_SCHEMA, getEnforce } from './tools.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    seconds: { type: 'integer', minimum: 10, maximum: 3600, default: 600, description: 'Deadline after which enforcing mode is restored.' },
  },
} as const;

const DATA = {
  type: 'object',
  additionalProperties: false,
  required: ['seconds'],
  properties: { seconds: { type: 'integer', minimum: 1 } },
} as const;

const RESTORE = {
  type: 'object',
  additionalProperties: false,
  required: ['mode'],
  properties: { mode: ENFORCE_MODE_SCHEMA },
} as const;

export const selinuxPermissiveModule = defineActionModule({
  name: 'selinux-permissive',
  description: 'Temporarily switch SELinux to permissive (setenforce 0), restored by a deadline even if postfix-fix dies.',
  args: ARGS,
  data: DATA,
  restore: RESTORE,

  async inspect(ctx) {
    return { mode: await getEnforce(ctx) };
  },

  diff(_ctx, { seconds }, { mode }) {
    if (mode !== 'Enforcing') return null;
    return {
      summary: `SELinux permissive for at most ${seconds} s`,
      diff: ['~ setenforce 0   (now Enforcing)', `~ setenforce 1 at the end of this run, or after ${seconds} s at the latest even if postfix-fix is killed`, '  /etc/selinux/config is not touched: a reboot also restores enforcing mode'],
      data: { seconds },
      intent: { permissive: true },
      restore: { mode },
      temporary: { seconds, reason: 'confirm that SELinux is what blocks Postfix' },
    };
  },

  async apply(ctx) {
    await mustRun(ctx.exec, ['setenforce', '0'], 'setenforce 0', { timeoutMs: 10_000 });
    return undefined;
  },

  async verify(ctx) {
    const mode = await getEnforce(ctx);
    return { ok: mode === 'Permissive', evidence: [`getenforce: ${mode ?? 'unknown'}`] };
  },

  async undo(ctx, { change }) {
    const { mode } = change.restore;
    if (mode === 'Enforcing' && (await getEnforce(ctx)) !== 'Enforcing') await mustRun(ctx.exec, ['setenforce', '1'], 'setenforce 1', { timeoutMs: 10_000 });
    const now = await getEnforce(ctx);
    if (mode === 'Enforcing' && now !== 'Enforcing') throw new StepFailure('SELinux is still not enforcing', [`getenforce: ${now ?? 'unknown'}`]);
    return [`getenforce: ${now ?? 'unknown'}`];
  },
});
