import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { HOST_ENV } from './paths.js';
import { identityOf } from './proc.js';
import type { ProcessIdentity } from './proc.js';

export interface Launched {
  child: ChildProcess;
  identity: ProcessIdentity;
  // Resolves when the launcher exits, whoever killed it.
  exited: Promise<void>;
  // Everything it printed so far (stdout and stderr interleaved), for error messages.
  output(): string;
  // Resolves with the first stdout line starting with one of the prefixes; rejects when the
  // launcher exits first or the timeout passes.
  waitForLine(prefixes: readonly string[], timeoutMs: number): Promise<string>;
}

const MAX_OUTPUT = 64 * 1024;

// Starts a long-lived process that owns a lab host. `setpriv --pdeathsig KILL` ties it to this
// Node process: if the test runner dies, even by SIGKILL, the kernel kills the launcher, and
// the launcher's own --kill-child takes the namespaces down with it.
export function launch(argv: readonly string[]): Launched {
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a Ctrl-C on the terminal reaches our handlers, which tear
    // hosts down in order, instead of reaching the hosts directly.
    detached: true,
    env: { ...HOST_ENV },
  });
  if (child.pid === undefined) throw new Error(`cannot spawn ${argv[0] ?? '?'}`);
  const identity = identityOf(child.pid) ?? { pid: child.pid, startTime: -1 };

  let output = '';
  let pending = '';
  const lines: string[] = [];
  const lineWaiters = new Set<() => void>();
  const append = (text: string): void => {
    output = (output + text).slice(-MAX_OUTPUT);
  };
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    append(chunk);
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
    for (const wake of lineWaiters) wake();
  });
  child.stderr?.on('data', append);

  let hasExited = false;
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => {
      hasExited = true;
      for (const wake of lineWaiters) wake();
      resolveExit();
    });
  });
  // The spawn itself failing (e.g. setpriv missing) surfaces through waitForLine.
  child.once('error', (e) => append(`spawn error: ${e.message}\n`));

  const waitForLine = (prefixes: readonly string[], timeoutMs: number): Promise<string> =>
    new Promise((resolveLine, reject) => {
      let scanned = 0;
      const done = (): void => {
        clearTimeout(timer);
        lineWaiters.delete(check);
      };
      const check = (): void => {
        for (; scanned < lines.length; scanned++) {
          const line = lines[scanned] ?? '';
          if (prefixes.some((p) => line.startsWith(p))) {
            done();
            resolveLine(line);
            return;
          }
        }
        if (hasExited) {
          done();
          reject(new Error(`${argv[0] ?? '?'} exited before ${prefixes.join('|')}:\n${output}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${prefixes.join('|')}:\n${output}`));
      }, timeoutMs);
      lineWaiters.add(check);
      check();
    });

  return { child, identity, exited, output: () => output, waitForLine };
}
