import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import type { StdioOptions } from 'node:child_process';
import { constants } from 'node:os';

export interface RunOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  // Extra file descriptors handed to the child as fd 3, 4, ... (used to share a lock).
  extraFds?: readonly number[];
}

export interface RunResult {
  // Exit code; 128 + signal number when the process died from a signal (shell convention).
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  // The same bytes, undecoded (for binary output such as a tar stream).
  stdoutBuffer: Buffer;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

// A daemon started by the command may inherit our pipes and keep them open forever; after the
// command itself exited we give its output this long to drain, then stop waiting.
const PIPE_DRAIN_GRACE_MS = 300;

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: RunResult,
  ) {
    const why = result.timedOut ? `timed out after ${result.ms} ms` : `exited ${result.code}`;
    super(`${argv.join(' ')} ${why}\n${tail(result.stderr || result.stdout)}`);
    this.name = 'CommandError';
  }
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 0;
}

function signalGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

// Kills the group's members before its leader. The leader is often nsenter, whose child lives in
// a host's pid namespace: if nsenter died first, that child would be re-parented to the
// machine's init (which reaps lazily) and linger as a zombie pinning the namespace. Killed
// first, it is reaped by nsenter, which then exits by itself.
function killProcessGroup(pgid: number): void {
  const members = groupMembers(pgid).filter((pid) => pid !== pgid);
  if (members.length === 0) {
    signalGroup(pgid);
    return;
  }
  for (const pid of members) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // raced with its exit
    }
  }
  setTimeout(() => signalGroup(pgid), 200).unref();
}

function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 5 (pgrp), counted after the parenthesised comm.
      const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
      if (pgrp === pgid) members.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return members;
}

// Runs argv without a shell. The child leads its own process group so a timeout kills it and
// everything it forked in the foreground (nsenter forks the real command as its child).
export function run(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.reject(new Error('run: empty argv'));
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const stdio: StdioOptions = [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', ...(opts.extraFds ?? [])];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      stdio,
      detached: true,
      env: opts.env ? { ...opts.env } : process.env,
      cwd: opts.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let drainTimer: NodeJS.Timeout | undefined;

    const killGroup = (): void => {
      if (child.pid !== undefined) killProcessGroup(child.pid);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, timeoutMs);

    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (drainTimer) clearTimeout(drainTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      const code = exitCode ?? (exitSignal ? 128 + signalNumber(exitSignal) : 255);
      const stdoutBuffer = Buffer.concat(out);
      resolvePromise({
        code,
        signal: exitSignal,
        stdout: stdoutBuffer.toString('utf8'),
        stdoutBuffer,
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        ms: Date.now() - started,
      });
    };

    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (e) => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        reject(e);
      }
    });
    child.on('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
      drainTimer = setTimeout(finish, PIPE_DRAIN_GRACE_MS);
    });
    child.on('close', finish);

    if (opts.input !== undefined && child.stdin) {
      // The child may exit without reading its input; that must not crash the runner.
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
  });
}

// Like run(), but a non-zero exit or a timeout is an error.
export async function runOk(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const result = await run(argv, opts);
  if (result.code !== 0 || result.timedOut) throw new CommandError(argv, result);
  return result;
}
