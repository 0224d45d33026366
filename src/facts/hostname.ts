// The host's name as its own UTS namespace has it. When we run on the host itself (HostFs root
// `/`), that is our own hostname, no command needed. Aimed at another root (the lab), `uname -n`
// through the executor: /proc/sys/kernel/hostname would answer for *our* namespace.

import { hostname } from 'node:os';
import { FactUnavailable, describeFailure, runTool } from './context.js';
import type { FactContext } from './context.js';

export async function gatherHostname(ctx: FactContext): Promise<string> {
  if (ctx.fs.root === '/') return hostname();
  const r = await runTool(ctx, ['uname', '-n'], 1_000);
  const name = r.stdout.trim();
  if (r.exitCode === 0 && name !== '') return name;
  const etc = (await ctx.fs.tryReadText('/etc/hostname'))?.trim();
  if (etc) return etc;
  throw new FactUnavailable(describeFailure(r));
}
