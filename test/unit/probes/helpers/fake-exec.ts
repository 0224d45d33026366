// A scripted executor: answers commands from a table (first match wins), records every call, and
// says which programs are "installed". Unmatched commands look like a missing program.

import type { CommandResult, Executor, RunOptions } from '../../../../src/core/exec.js';

export interface Script {
  /** argv prefix to match, e.g. ['postfix', 'status']. */
  argv: readonly string[];
  result?: Partial<CommandResult>;
  /** Answer after this long (a hung tool), unless the run's timeout is shorter. */
  delayMs?: number;
}

export interface FakeExec extends Executor {
  calls: Array<{ argv: readonly string[]; options: RunOptions }>;
}

export function fakeExec(scripts: Script[], installed: readonly string[] = []): FakeExec {
  const calls: FakeExec['calls'] = [];
  const has = (program: string): boolean => installed.includes(program) || scripts.some((s) => s.argv[0] === program);
  return {
    calls,
    has,
    async run(argv, options = {}) {
      calls.push({ argv, options });
      const s = scripts.find((x) => x.argv.every((a, i) => argv[i] === a));
      const base: CommandResult = { argv, exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 1, timedOut: false, notFound: false };
      if (!s) return { ...base, exitCode: 127, notFound: !has(argv[0] as string), stderr: `${argv[0]}: not found` };
      if (s.delayMs !== undefined) {
        const timeout = options.timeoutMs ?? Infinity;
        await new Promise((r) => setTimeout(r, Math.min(s.delayMs as number, timeout)));
        if (timeout < s.delayMs) return { ...base, exitCode: null, signal: 'SIGKILL', timedOut: true, durationMs: timeout };
      }
      return { ...base, ...s.result };
    },
  };
}
