// The start of `postfix check`, split from its probe (config-check.ts) so diagnose can launch it
// before loading the probes, facts and catalog: it is the slowest check (≈ 0.2 s: ~70 processes,
// one after the other) and decides diagnose's wall time on a healthy host.
//
// Off a terminal `postfix check` prints nothing at all — warnings go only to the log, and even a
// fatal config error just exits 1 (seen for real) — so it runs under `script`, which gives it a
// pty, when `script` is there. The command string is a constant: nothing from the host or the
// user ever goes into it.

import { join } from 'node:path';
import type { Executor } from '../core/exec.js';
import type { HostFs } from '../core/host-fs.js';
import type { Warmup, WarmupCommand } from './types.js';

export const POSTFIX_CHECK_TIMEOUT_MS = 4_000;

/** Under a pty when possible (see above); stdin is an empty pipe so `script` never touches a terminal. */
export function checkCommand(exec: Pick<Executor, 'has'>): WarmupCommand & { input: string } {
  return { argv: exec.has('script') ? ['script', '-qec', 'postfix check', '/dev/null'] : ['postfix', 'check'], input: '' };
}

/** master.pid's mtime when main.cf and master.cf (ctime) are older than it, else null. */
export async function configUnchangedSince(fs: Pick<HostFs, 'stat'>, configDir: string, pidFile: string): Promise<number | null> {
  const [pid, ...configs] = await Promise.all([pidFile, join(configDir, 'main.cf'), join(configDir, 'master.cf')].map((f) => fs.stat(f).catch(() => null)));
  if (!pid || configs.some((st) => st === null || st.ctimeMs >= pid.mtimeMs)) return null;
  return pid.mtimeMs;
}

/**
 * Before facts, with Debian's default paths: nothing to start when the running master has
 * already checked this configuration (the probe re-decides with the real paths, and runs the
 * check itself if it must).
 */
export const postfixCheckWarmup: Warmup = {
  timeoutMs: POSTFIX_CHECK_TIMEOUT_MS,
  async commands({ exec, fs, isRoot }) {
    if (!isRoot || !exec.has('postfix')) return [];
    const pidFile = '/var/spool/postfix/pid/master.pid';
    const pid = Number((await fs.tryReadText(pidFile).catch(() => null))?.trim());
    const comm = Number.isInteger(pid) && pid > 0 ? (await fs.tryReadText(`/proc/${pid}/comm`).catch(() => null))?.trim() : null;
    if (comm === 'master' && (await configUnchangedSince(fs, '/etc/postfix', pidFile))) return [];
    return [checkCommand(exec)];
  },
};
