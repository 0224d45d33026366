import { startDaemon } from '../daemon.js';
import type { ExecResult, Host } from '../host-types.js';
import { postfixStart, postfixStop } from '../postfix-control.js';
import { pollUntil } from '../wait.js';

export const MASTER_PID_FILE = '/var/spool/postfix/pid/master.pid';

// master.pid as Postfix writes it: the pid right-aligned in 10 columns.
function pidFileContent(pid: number): string {
  return `${String(pid).padStart(10, ' ')}\n`;
}

export interface ForeignLockFault {
  kind: 'master-pid-locked';
  // The process holding flock(2) on master.pid (host pid); master.pid names it.
  lockerPid: number;
  // `postfix start` refuses: "the Postfix mail system is already running".
  postfixStart: ExecResult;
}

// Another process holds the lock on master.pid (a hung old master, a backup tool...): Postfix
// believes it is running, `postfix start` refuses, and nothing listens on :25.
export async function injectForeignMasterLock(host: Host): Promise<ForeignLockFault> {
  await postfixStop(host);
  await host.writeFile(MASTER_PID_FILE, pidFileContent(0), 0o644);
  const lockerPid = await startDaemon(host, ['flock', '--exclusive', MASTER_PID_FILE, 'sleep', 'infinity']);
  await host.writeFile(MASTER_PID_FILE, pidFileContent(lockerPid), 0o644);
  // The lock is taken asynchronously by the daemon; `flock -n` fails once it holds it.
  await pollUntil(
    async () => ((await host.exec(['flock', '--nonblock', MASTER_PID_FILE, 'true'])).code !== 0 ? true : undefined),
    { timeoutMs: 10_000, what: `${host.name}: master.pid locked` },
  );
  const start = await postfixStart(host);
  return { kind: 'master-pid-locked', lockerPid, postfixStart: start };
}

export interface StalePidFault {
  kind: 'master-pid-stale';
  // A pid that no process in the host has.
  stalePid: number;
}

// Postfix is down and a leftover, unlocked master.pid names a dead process. On Postfix 3.7 this
// does not block `postfix start` (the file is a lock, not a pid check): a tool must not "fix"
// it by deleting files, nor be fooled into thinking Postfix runs.
export async function injectStaleMasterPid(host: Host): Promise<StalePidFault> {
  await postfixStop(host);
  // The pid of a shell that has exited by the time we use it.
  const stalePid = Number((await host.execOk(['sh', '-c', 'echo $$'])).stdout.trim());
  await host.writeFile(MASTER_PID_FILE, pidFileContent(stalePid), 0o644);
  return { kind: 'master-pid-stale', stalePid };
}
