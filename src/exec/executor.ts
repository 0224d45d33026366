// Built on zx, with three rules: argv only (each element quoted as one POSIX word, never a
// string built from facts), a timeout on every call, and one audit entry per command.
// LC_ALL=C so the tools we parse speak one language whatever the host's locale.

import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { $ } from 'zx/core';
import { quoteForZx } from './quote.js';
import type { AuditLog } from './audit.js';
import type { CommandResult, Executor, RunOptions } from './types.js';

export interface ExecutorOptions {
  audit: AuditLog;
  defaultTimeoutMs?: number;
  /** Base environment (default: process.env with LC_ALL=C). */
  env?: NodeJS.ProcessEnv;
  /**
   * Prepended to every argv — the lab's seam to aim the same code at a namespace host
   * (`nsenter -t PID -m -u -i -n -p --`). Empty in production.
   */
  prefix?: readonly string[];
  /** Root of the host's filesystem for `has()` (`/proc/PID/root` in the lab; `/` in production). */
  root?: string;
}

const NOT_FOUND_EXIT = 127;

export function createExecutor(options: ExecutorOptions): Executor {
  const defaultTimeoutMs = options.defaultTimeoutMs ?? 15_000;
  const baseEnv: NodeJS.ProcessEnv = { ...(options.env ?? process.env), LC_ALL: 'C', LANG: 'C' };
  const pathDirs = (baseEnv.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter).filter(Boolean);

  const prefix = options.prefix ?? [];
  const root = options.root ?? '/';
  const onHost = (p: string): string => (root === '/' ? p : join(root, p));
  const has = (program: string): boolean => {
    if (program.includes('/')) return isExecutable(onHost(program));
    return pathDirs.some((d) => isExecutable(onHost(join(d, program))));
  };

  const run = async (argv: readonly string[], opts: RunOptions = {}): Promise<CommandResult> => {
    if (argv.length === 0 || argv[0] === '') throw new TypeError('empty command');
    const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
    const started = Date.now();
    const at = new Date(started).toISOString();
    const shell = $({
      shell: '/bin/sh',
      prefix: '',
      postfix: '',
      quote: quoteForZx,
      nothrow: true,
      quiet: true,
      verbose: false,
      timeout: timeoutMs,
      timeoutSignal: 'SIGKILL',
      env: opts.env ? { ...baseEnv, ...opts.env } : baseEnv,
      ...(opts.detached ? { stdio: ['ignore', 'ignore', 'ignore'] as const } : {}),
      ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
    // `exec` makes the program replace the shell, so the timeout kill reaches it directly.
    const out = await shell`exec ${[...prefix, ...argv]}`;
    const durationMs = Date.now() - started;
    const timedOut = out.signal === 'SIGKILL' && durationMs >= timeoutMs;
    const exitCode = out.exitCode;
    const result: CommandResult = {
      argv,
      exitCode,
      signal: out.signal ?? null,
      stdout: out.stdout,
      stderr: out.stderr,
      durationMs,
      timedOut,
      notFound: exitCode === NOT_FOUND_EXIT && !has(argv[0] as string),
    };
    options.audit.record({ at, argv, exitCode, signal: result.signal, durationMs, timedOut });
    return result;
  };

  return { run, has };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
