// What every fact gatherer is handed: the one executor, the host's files, the distro profile, and
// the absolute time (Date.now()) by which everything must have been gathered.

import { budgetMs } from '../core/deadline.js';
import type { CommandResult } from '../core/exec.js';
import type { HostContext } from '../core/context.js';

/** Fact gatherers need nothing beyond the host context; `deadline` bounds the whole gathering. */
export type FactContext = HostContext;

/** A fact that could not be gathered; gatherers throw it so the reason lands in `facts.errors`. */
export class FactUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FactUnavailable';
  }
}

/** Gatherers report what they could not find out here; it ends up in `facts.errors`. */
export type NoteError = (fact: string, message: string) => void;

/** Run a read-only command with a budget that never outlives the gathering deadline. */
export function runTool(ctx: FactContext, argv: readonly string[], wantedMs = 3_000): Promise<CommandResult> {
  return ctx.exec.run(argv, { timeoutMs: budgetMs(ctx.deadline, wantedMs * (ctx.timeScale ?? 1), { floorMs: 50 }) });
}

/** One line on why a command did not give us an answer. */
export function describeFailure(r: CommandResult): string {
  const cmd = r.argv.join(' ');
  if (r.notFound) return `${r.argv[0]} is not installed`;
  if (r.timedOut) return `\`${cmd}\` timed out after ${r.durationMs} ms`;
  const why = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
  return `\`${cmd}\` exited ${r.exitCode ?? r.signal}${why ? `: ${why}` : ''}`;
}
