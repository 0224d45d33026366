import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { runOk } from './run.js';

// Holds an exclusive flock(2) on lockPath while fn runs. flock(1) locks the open file
// description it inherits as fd 3, which this process keeps open: the lock lasts until we
// close it, and the kernel drops it if we die, so a crashed build never blocks the next one.
export async function withFileLock<T>(lockPath: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true });
  const fd = openSync(lockPath, 'a');
  try {
    const seconds = Math.max(1, Math.ceil(timeoutMs / 1000));
    await runOk(['flock', '--exclusive', '--wait', String(seconds), '3'], {
      extraFds: [fd],
      timeoutMs: timeoutMs + 5_000,
    });
    return await fn();
  } finally {
    closeSync(fd);
  }
}
