// An executor that can start commands early: diagnose launches the slow, fact-independent ones
// (`postfix check` ≈ 0.4 s) at t0, and when a probe later runs the same argv it gets the run
// already under way instead of a second one. Each started run is handed out once.

import type { CommandResult, Executor, RunOptions } from '../core/exec.js';
import type { WarmupCommand } from './types.js';

export interface WarmExecutor {
  exec: Executor;
  start(cmd: WarmupCommand, timeoutMs: number): void;
  /** Resolves once every warm-up has decided whether to start its commands. */
  decided: Promise<void>;
}

const keyOf = (argv: readonly string[], input: string | undefined): string => JSON.stringify([argv, input ?? null]);

export function createWarmExecutor(inner: Executor, decided: Promise<void> = Promise.resolve()): WarmExecutor {
  const started = new Map<string, Promise<CommandResult>>();
  return {
    decided,
    start(cmd, timeoutMs) {
      const key = keyOf(cmd.argv, cmd.input);
      if (started.has(key)) return;
      started.set(key, inner.run(cmd.argv, { timeoutMs, ...(cmd.input !== undefined ? { input: cmd.input } : {}) }));
    },
    exec: {
      has: (program) => inner.has(program),
      async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
        await decided; // a warm-up still deciding may be about to start this very command
        const key = keyOf(argv, options.input);
        const early = started.get(key);
        if (early && options.env === undefined) {
          started.delete(key);
          return early;
        }
        return inner.run(argv, options);
      },
    },
  };
}
