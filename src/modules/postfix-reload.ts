// A reload whose effect clients see at once. `postfix reload` only signals the master: the smtpd
// processes already running keep what they opened — a lookup table that failed to open stays
// failed in them, an idle one takes the next client with the old state — until they exit. The
// master tells them to finish; this waits (bounded) until those that predate the reload are gone.

import { join } from 'node:path';
import { waitFor } from '../exec/command.js';
import { readPpid, scanProcesses } from '../facts/processes.js';
import { controlPostfix } from './postfix-control.js';
import type { ModuleContext } from './types.js';

/** Children of the master that serve clients (and hold the tables they opened). */
const CLIENT_FACING = new Set(['smtpd', 'postscreen', 'tlsproxy']);

async function masterPid(ctx: ModuleContext): Promise<number | null> {
  const text = await ctx.fs.tryReadText(join(ctx.facts.postfix.queueDir, 'pid', 'master.pid')).catch(() => null);
  const pid = Number(text?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export async function clientFacingDaemons(ctx: ModuleContext): Promise<number[]> {
  const master = await masterPid(ctx);
  if (master === null) return [];
  const procs = (await scanProcesses(ctx.fs)).filter((p) => CLIENT_FACING.has(p.comm));
  const parents = await Promise.all(procs.map(async (p) => ({ pid: p.pid, ppid: await readPpid(ctx.fs, p.pid) })));
  return parents.filter((p) => p.ppid === master).map((p) => p.pid);
}

/** Reload, then wait until the client-facing daemons that predate it have exited. Returns any still there. */
export async function reloadReplacingDaemons(ctx: ModuleContext, timeoutMs = 15_000): Promise<number[]> {
  const before = await clientFacingDaemons(ctx);
  await controlPostfix(ctx, 'reload');
  if (before.length === 0) return [];
  const alive = async (): Promise<number[]> => {
    const now = new Set(await clientFacingDaemons(ctx));
    return before.filter((p) => now.has(p));
  };
  await waitFor(async () => (await alive()).length === 0, timeoutMs, 100);
  return alive();
}
