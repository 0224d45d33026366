// Where postfix-fix keeps what must survive it: the lock, and one directory per run with the
// journal, the command log and the report. 0700: journals hold main.cf snapshots.

import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';

export const DEFAULT_STATE_DIR = '/var/lib/postfix-fix';

export function resolveStateDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.POSTFIX_FIX_STATE_DIR ?? DEFAULT_STATE_DIR;
}

export async function ensureStateDir(dir: string): Promise<void> {
  try {
    await fsp.mkdir(join(dir, 'runs'), { recursive: true, mode: 0o700 });
    const st = await fsp.stat(dir);
    if ((st.mode & 0o077) !== 0) await fsp.chmod(dir, 0o700);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot use state directory ${dir}: ${code === 'EACCES' || code === 'EPERM' ? 'permission denied (run as root, or pass --state-dir)' : String(code)}`);
  }
}

/** Sortable by time: `20261127T211503Z-9f3a`. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

export function runDirOf(stateDir: string, runId: string): string {
  return join(stateDir, 'runs', runId);
}

export async function listRunIds(stateDir: string): Promise<string[]> {
  try {
    return (await fsp.readdir(join(stateDir, 'runs'))).filter((n) => /^\d{8}T\d{6}Z-[0-9a-f]{4}$/.test(n)).sort();
  } catch {
    return [];
  }
}

export function isValidRunId(id: string): boolean {
  return /^\d{8}T\d{6}Z-[0-9a-f]{4}$/.test(id);
}
