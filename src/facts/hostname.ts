// The host's name as its own UTS namespace has it. `uname -n` through the executor rather than
// /proc/sys/kernel/hostname: that file answers for the *reader's* namespace, which in the lab is
// not the host's.

import { FactUnavailable, describeFailure, runTool } from './context.js';
import type { FactContext } from './context.js';

export async function gatherHostname(ctx: FactContext): Promise<string> {
  const r = await runTool(ctx, ['uname', '-n'], 1_000);
  const name = r.stdout.trim();
  if (r.exitCode === 0 && name !== '') return name;
  const etc = (await ctx.fs.tryReadText('/etc/hostname'))?.trim();
  if (etc) return etc;
  throw new FactUnavailable(describeFailure(r));
}
