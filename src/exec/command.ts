// Run a command that must succeed; a failure becomes a StepFailure carrying the evidence (argv,
// exit, stderr) the report shows. Modules use it for every state-changing command.

import { formatArgv } from './quote.js';
import type { CommandResult, Executor, RunOptions } from '../core/exec.js';
import { StepFailure } from '../core/errors.js';


export function describeResult(r: CommandResult): string[] {
  const status = r.timedOut ? `timed out after ${r.durationMs} ms` : r.notFound ? 'command not found' : r.exitCode === null ? `killed by ${r.signal}` : `exit ${r.exitCode}`;
  const lines = [`$ ${formatArgv(r.argv)} → ${status}`];
  const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-5);
  for (const l of out) if (l.trim()) lines.push(`  ${l}`);
  return lines;
}

export async function mustRun(exec: Executor, argv: readonly string[], what: string, options?: RunOptions): Promise<CommandResult> {
  const r = await exec.run(argv, options);
  if (r.exitCode !== 0) throw new StepFailure(`${what} failed`, describeResult(r));
  return r;
}

/**
 * Look, and look again every `intervalMs` until `done` says so or the next look would start after
 * `until` (epoch ms); the last look's value either way, so the caller reports what it saw.
 */
export async function pollUntil<T>(look: () => Promise<T>, done: (value: T) => boolean, until: number, intervalMs: number): Promise<T> {
  let value = await look();
  while (!done(value) && Date.now() + intervalMs < until) {
    await new Promise((r) => setTimeout(r, intervalMs));
    value = await look();
  }
  return value;
}

/** Poll `probe` until it returns true or `timeoutMs` passes (service stops return early, etc.). */
export async function waitFor(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  return pollUntil(probe, (ok) => ok, Date.now() + timeoutMs, intervalMs);
}
