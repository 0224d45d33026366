// master.pid: which pid it names, whether that pid is a live Postfix master, and who holds the
// flock on it. The file is a lock, not a pid check: a stale *unlocked* file is harmless, and a
// lock held by anything but master is what really stops `postfix start`.

import { readComm } from './processes.js';
import { locksOnFile, parseProcLocks } from './proc-locks.js';
import type { FactContext } from './context.js';
import type { MasterPidFacts } from './types.js';

export async function gatherMasterPid(ctx: FactContext, path: string): Promise<MasterPidFacts> {
  const [text, stat, locksText] = await Promise.all([ctx.fs.tryReadText(path), ctx.fs.stat(path), ctx.fs.tryReadText('/proc/locks')]);
  if (text === null || stat === null) return { path, exists: false, pid: null, pidAlive: false, pidIsMaster: false, lockHolder: null };
  const n = Number(text.trim());
  const pid = Number.isInteger(n) && n > 0 ? n : null;
  const comm = pid === null ? null : await readComm(ctx.fs, pid);
  let lockHolder: MasterPidFacts['lockHolder'] = null;
  if (locksText !== null && stat.ino !== undefined) {
    const holder = locksOnFile(parseProcLocks(locksText), { dev: stat.dev ?? null, ino: stat.ino })[0];
    if (holder) lockHolder = { pid: holder.pid, process: holder.pid > 0 ? ((await readComm(ctx.fs, holder.pid)) ?? '?') : '?' };
  }
  return { path, exists: true, pid, pidAlive: comm !== null, pidIsMaster: comm === 'master', lockHolder };
}

/** Where master.pid lives: `queue_directory/pid/master.pid` when postconf answered, else the profile's. */
export function masterPidPath(params: Record<string, string>, profilePath: string): string {
  const queue = params.queue_directory;
  return queue ? `${queue.replace(/\/+$/, '')}/pid/master.pid` : profilePath;
}
