import type { Host } from './host-types.js';

// Fixed script: the log path and the command are positional parameters. The daemon gets its
// own session and no tie to our pipes, so exec() returns at once and the process outlives it
// (until the host is destroyed).
const DAEMON_SCRIPT = 'log=$1; shift; setsid "$@" </dev/null >>"$log" 2>&1 & echo $!';

// Starts argv in the background inside the host; returns its pid as the host sees it.
export async function startDaemon(host: Host, argv: readonly string[], logFile = '/dev/null'): Promise<number> {
  const result = await host.execOk(['sh', '-c', DAEMON_SCRIPT, 'sh', logFile, ...argv]);
  const pid = Number(result.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${host.name}: no pid from starting ${argv.join(' ')}`);
  return pid;
}

export async function processAlive(host: Host, pid: number): Promise<boolean> {
  const result = await host.exec(['cat', `/proc/${pid}/stat`], { timeoutMs: 5_000 });
  if (result.code !== 0) return false;
  // Field 3 is the state; a zombie is not a live holder of anything.
  const state = result.stdout.slice(result.stdout.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}
