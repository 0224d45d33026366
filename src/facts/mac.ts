// SELinux and AppArmor modes. SELinux from the kernel's own file when selinuxfs is mounted (no
// command: under emulation a getenforce took longer than the fact's whole budget, and the
// fallback read as "absent" on an enforcing host); `getenforce` only otherwise ("Disabled").

import { runTool } from './context.js';
import type { FactContext } from './context.js';
import type { ApparmorMode, MacFacts, SelinuxMode } from './types.js';

export async function gatherMac(ctx: FactContext): Promise<MacFacts> {
  const [selinux, apparmor] = await Promise.all([selinuxMode(ctx), apparmorMode(ctx)]);
  return { selinux, apparmor };
}

async function selinuxMode(ctx: FactContext): Promise<SelinuxMode> {
  const enforce = await ctx.fs.tryReadText('/sys/fs/selinux/enforce').catch(() => null);
  if (enforce !== null && /^[01]$/.test(enforce.trim())) return enforce.trim() === '1' ? 'enforcing' : 'permissive';
  if (ctx.exec.has('getenforce')) {
    const r = await runTool(ctx, ['getenforce'], 1_000);
    const v = r.stdout.trim().toLowerCase();
    if (v === 'enforcing' || v === 'permissive' || v === 'disabled') return v;
  }
  return 'absent';
}

async function apparmorMode(ctx: FactContext): Promise<ApparmorMode> {
  const enabled = await ctx.fs.tryReadText('/sys/module/apparmor/parameters/enabled').catch(() => null);
  if (enabled === null) return 'absent';
  return enabled.trim().toUpperCase().startsWith('Y') ? 'enabled' : 'disabled';
}
