// One run at a time. The lock file names its holder (pid, start time, command) so a refused
// second run can say who holds it; a lock whose holder is gone (killed, crashed, rebooted) is
// detected as stale — by pid *and* process start time, so a recycled pid does not fool us — and
// taken over under a short-lived takeover mutex so two newcomers cannot both take it.

import { promises as fsp, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RefusedError } from '../core/errors.js';

export interface LockHolder {
  pid: number;
  /** Kernel start time of the process (clock ticks since boot), from /proc/PID/stat. */
  procStart: number | null;
  bootId: string | null;
  startedAt: string;
  command: string;
  host: string;
}

export interface HeldLock {
  path: string;
  holder: LockHolder;
  /** Whether we took over a stale lock (reported to the user). */
  tookOverFrom: LockHolder | null;
  release(): Promise<void>;
}

export function procStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime), counted after the ")" that ends the command name.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

export function isHolderAlive(h: LockHolder): boolean {
  const currentBoot = bootId();
  if (h.bootId && currentBoot && h.bootId !== currentBoot) return false;
  const start = procStartTime(h.pid);
  if (start === null) return false;
  return h.procStart === null || h.procStart === start;
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const h = JSON.parse(await fsp.readFile(path, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' ? h : null;
  } catch {
    return null; // torn or foreign content: treated as stale below
  }
}

async function tryCreate(path: string, holder: LockHolder): Promise<boolean> {
  try {
    const fh = await fsp.open(path, 'wx', 0o600);
    try {
      await fh.writeFile(JSON.stringify(holder) + '\n');
      await fh.sync();
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

export async function acquireLock(stateDir: string, command: string): Promise<HeldLock> {
  const path = join(stateDir, 'lock');
  const me: LockHolder = { pid: process.pid, procStart: procStartTime(process.pid), bootId: bootId(), startedAt: new Date().toISOString(), command, host: hostname() };
  const held = (tookOverFrom: LockHolder | null): HeldLock => ({
    path,
    holder: me,
    tookOverFrom,
    async release() {
      const cur = await readHolder(path);
      if (cur && cur.pid === me.pid && cur.procStart === me.procStart) await fsp.unlink(path).catch(() => undefined);
    },
  });

  if (await tryCreate(path, me)) return held(null);
  const holder = await readHolder(path);
  if (holder && isHolderAlive(holder)) throw refused(holder);

  // Stale: take it over, but only one newcomer may do so.
  const takeover = `${path}.takeover`;
  const mutex = await readHolder(takeover);
  if (mutex && !isHolderAlive(mutex)) await fsp.unlink(takeover).catch(() => undefined);
  if (!(await tryCreate(takeover, me))) {
    const other = (await readHolder(takeover)) ?? holder;
    throw refused(other ?? me);
  }
  try {
    const again = await readHolder(path);
    if (again && isHolderAlive(again)) throw refused(again);
    await fsp.unlink(path).catch(() => undefined);
    if (!(await tryCreate(path, me))) {
      const winner = await readHolder(path);
      throw refused(winner ?? me);
    }
    return held(holder ?? { pid: 0, procStart: null, bootId: null, startedAt: 'unknown', command: 'unreadable lock file', host: 'unknown' });
  } finally {
    await fsp.unlink(takeover).catch(() => undefined);
  }
}

function refused(h: LockHolder): RefusedError {
  return new RefusedError(`another postfix-fix run holds the lock: pid ${h.pid}, started ${h.startedAt}, running \`${h.command}\``, {
    hints: ['wait for it to finish; if that process is gone the lock is taken over automatically on the next run'],
  });
}
