import type { ExecOptions, ExecResult, Host } from './host-types.js';
import { HOST_ENV } from './paths.js';
import { CommandError, run } from './run.js';

export const DEFAULT_EXEC_TIMEOUT_MS = 30_000;

// Runs argv inside the namespaces of pid. nsentArgs selects which namespaces (-m -u ... or -a).
export function execInNamespaces(
  pid: number,
  nsenterArgs: readonly string[],
  argv: readonly string[],
  opts: ExecOptions = {},
): Promise<ExecResult> {
  if (argv.length === 0) return Promise.reject(new Error('exec: empty argv'));
  return run(['nsenter', '-t', String(pid), ...nsenterArgs, '--', ...argv], {
    input: opts.input,
    timeoutMs: opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS,
    env: { ...HOST_ENV, ...opts.env },
  });
}

export async function execOkVia(host: Pick<Host, 'exec'>, argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
  const result = await host.exec(argv, opts);
  if (result.code !== 0 || result.timedOut) throw new CommandError(argv, result);
  return result;
}

// Reads and writes go through a process inside the host, so paths (and symlinks in them)
// resolve in the host's root and can never reach the machine's files.
export async function readFileVia(host: Pick<Host, 'exec' | 'name'>, path: string): Promise<string> {
  const result = await host.exec(['cat', '--', path], { timeoutMs: 10_000 });
  if (result.code !== 0) throw new Error(`${host.name}: cannot read ${path}: ${result.stderr.trim()}`);
  return result.stdout;
}

export async function writeFileVia(
  host: Pick<Host, 'exec' | 'name'>,
  path: string,
  content: string | Buffer,
  mode?: number,
): Promise<void> {
  // A fixed script; the path and mode are positional parameters, never part of the code.
  const script = 'cat > "$1" && if [ -n "$2" ]; then chmod "$2" "$1"; fi';
  const modeArg = mode === undefined ? '' : mode.toString(8);
  const result = await host.exec(['sh', '-c', script, 'sh', path, modeArg], { input: content, timeoutMs: 10_000 });
  if (result.code !== 0) throw new Error(`${host.name}: cannot write ${path}: ${result.stderr.trim()}`);
}
