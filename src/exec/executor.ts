// Built on zx, with three rules: argv only (each element quoted as one POSIX word, never a
// string built from facts), a timeout on every call, and one audit entry per command.
// LC_ALL=C so the tools we parse speak one language whatever the host's locale.

import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { $ } from 'zx/core';
import { quoteForZx } from './quote.js';
import type { AuditLog } from './audit.js';
import type { CommandResult, Executor, RunOptions } from '../core/exec.js';

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
    const hasInput = opts.input !== undefined && opts.input !== '';
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
      // Its own process group, so a timeout kills the whole tree in one signal: zx's kill walks
      // the tree with `ps` first, and on a loaded machine a child can slip through that walk
      // (seen: a hook's `sleep &` outliving its killed hook). Daemons a command starts leave the
      // group (setsid) and are not touched: a timed-out `postfix start` never takes the master.
      detached: true,
      // stdin is /dev/null unless there is input: nothing we run may wait on a terminal or on us.
      // (zx ignores an empty `input` and would leave stdin open: '' means /dev/null too.)
      ...(opts.detached ? { stdio: ['ignore', 'ignore', 'ignore'] as const } : hasInput ? { input: opts.input } : { stdio: ['ignore', 'pipe', 'pipe'] as const }),
    });
    const words = [...prefix, ...argv];
    // `exec` makes the program replace the shell, so the timeout kill reaches it directly.
    // Under enforcing SELinux, node's stdio (socketpairs) would reach the program as sockets of
    // *our* domain, which a program that transitions to its own domain (ip → ifconfig_t, postfix
    // → postfix_master_t) may not use: the kernel swaps them for /dev/null and its output is lost
    // (measured in the real-SELinux VM). There the program talks to real pipes, relayed by `cat`,
    // its stdin is /dev/null unless it gets input, and its exit status comes back on a descriptor
    // of its own. The script text is constant.
    const proc = !stdioViaPipes()
      ? shell`exec ${words}`
      : hasInput
        ? shell`set -- ${words}; exec 3>&1 4>&2; rc=$( { { { cat 3>&- 4>&- 5>&- | "$@" 3>&- 4>&- 5>&-; echo $? >&5; } | cat >&3; } 2>&1 | cat >&4; } 5>&1 ); exit "$rc"`
        : shell`set -- ${words}; exec 3>&1 4>&2; rc=$( { { { "$@" 3>&- 4>&- 5>&- </dev/null; echo $? >&5; } | cat >&3; } 2>&1 | cat >&4; } 5>&1 ); exit "$rc"`;
    // A program that exits without reading its input (not installed, or it just does not care)
    // closes the pipe under the write zx has started: EPIPE, which with no listener would be an
    // uncaught exception. Its exit status says what happened.
    if (hasInput) proc.stdin?.on('error', () => undefined);
    // zx kills the command when its timeout fires; this says that it did, whatever status the
    // killed tree then reports (relayed through pipes it may be the shell's 137, or a pipe's),
    // and kills the command's process group in the same instant.
    let expired = false;
    const groupLeader = proc.pid;
    const expiry = setTimeout(() => {
      expired = true;
      if (groupLeader === undefined) return;
      try {
        process.kill(-groupLeader, 'SIGKILL');
      } catch {
        /* the group is already gone */
      }
    }, timeoutMs);
    const out = await proc;
    clearTimeout(expiry);
    const durationMs = Date.now() - started;
    const timedOut = expired && (out.signal !== null || out.exitCode !== 0);
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

/** Real pipes instead of node's socketpairs: under enforcing SELinux, or when asked (tests). */
function stdioViaPipes(): boolean {
  const forced = process.env['POSTFIX_FIX_STDIO'];
  if (forced === 'pipes') return true;
  if (forced === 'node') return false;
  try {
    return readFileSync('/sys/fs/selinux/enforce', 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
