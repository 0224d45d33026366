// Which service manager actually runs here. What the distro normally uses does not matter: a
// container whose PID 1 is `sleep` has no systemd to ask, whatever its profile says.

import { runTool } from './context.js';
import type { FactContext } from './context.js';
import type { InitFacts } from './types.js';
import type { ServiceManager } from '../core/profile.js';

export async function gatherInit(ctx: FactContext): Promise<InitFacts> {
  const pid1 = ((await ctx.fs.tryReadText('/proc/1/comm')) ?? '').trim();
  return { pid1, manager: await detectManager(ctx, pid1) };
}

async function detectManager(ctx: FactContext, pid1: string): Promise<ServiceManager> {
  if (pid1 === 'systemd' && ctx.exec.has('systemctl')) {
    // PID 1 is systemd, but is its manager answering (not "offline", no bus error)?
    const r = await runTool(ctx, ['systemctl', 'is-system-running'], 2_000);
    const state = r.stdout.trim();
    // A slow answer is still systemd (a loaded host; seen in an emulated VM): managing Postfix
    // behind its back would be far worse than waiting for it.
    if (r.timedOut || (state !== '' && state !== 'offline' && state !== 'unknown')) return 'systemd';
  }
  if (await ctx.fs.exists('/run/openrc')) return 'openrc';
  if ((pid1 === 'openrc-init' || pid1 === 'init') && ctx.exec.has('rc-service') && (await ctx.fs.exists('/etc/init.d'))) {
    if (pid1 === 'openrc-init' || (await ctx.fs.exists('/etc/rc.conf'))) return 'openrc';
  }
  return 'direct';
}
