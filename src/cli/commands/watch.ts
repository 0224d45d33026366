// `postfix-fix watch`: diagnose, fix what the watch policy allows, tell on change. `--once` is
// one tick (the systemd service the .deb ships runs it from a timer; cron can too); without it,
// a tick every --interval seconds until SIGTERM/SIGINT, for hosts with neither. The policy is
// read and checked first: a bad one stops here, with exit 2, before anything is looked at.

import { UserError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { DEFAULT_WATCH_POLICY_FILE, describeTargets, loadWatchPolicy } from '../../engine/watch/policy.js';
import type { WatchPolicy } from '../../engine/watch/policy.js';
import { eventText } from '../../report/watch-notice.js';
import { flag, parseCommandArgs, secondsOpt, stringOpt } from '../args.js';
import type { ParsedArgs } from '../args.js';
import { openHostAccess } from '../host-access.js';
import { createRuntime } from '../runtime.js';
import type { Runtime } from '../runtime.js';
import { watchTick } from '../watch-tick.js';
import type { TickRecord } from '../watch-tick.js';

const DEFAULT_INTERVAL_S = 300;

export async function run(argv: string[]): Promise<number> {
  const a = parseCommandArgs('watch', argv);
  const once = flag(a, 'once');
  const json = flag(a, 'json');
  if (once && stringOpt(a, 'interval') !== undefined) throw new UserError('--interval: a single tick (--once) has no interval', { hints: ['see: postfix-fix watch --help'] });
  const intervalMs = intervalOpt(a) * 1000;
  const timeoutMs = secondsOpt(a, 'timeout', 5) * 1000;
  const rt = createRuntime(a);
  const policy = loadWatchPolicy(stringOpt(a, 'policy') ?? DEFAULT_WATCH_POLICY_FILE, new Set(rt.catalog.runbooks.keys()));
  const lockCommand = ['postfix-fix', 'watch', ...argv].join(' ');
  let stopping = false;
  const tick = (r: Runtime): Promise<TickRecord> => watchTick(r, { args: a, policy, timeoutMs, lockCommand, stopRequested: () => stopping });

  if (once) {
    const record = await tick(rt);
    show(record, json);
    return record.exitCode;
  }
  return loop(a, rt, policy, intervalMs, json, tick, () => (stopping = true));
}

/**
 * Ticks until a signal. A signal between ticks ends the loop at once (exit 0); one during a tick
 * interrupts its run (the engine rolls back what it applied) and the loop ends after it.
 */
async function loop(a: ParsedArgs, first: Runtime, policy: WatchPolicy, intervalMs: number, json: boolean, tick: (r: Runtime) => Promise<TickRecord>, requestStop: () => void): Promise<number> {
  const wake: { now: (() => void) | null } = { now: null };
  let stopping = false;
  const onSignal = (): void => {
    stopping = true;
    requestStop();
    wake.now?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stderr.write(`watch: a tick every ${intervalMs / 1000} s, policy ${policy.file}, max risk ${policy.maxRisk}, notices to ${describeTargets(policy).join(', ') || 'nobody'}\n`);
  try {
    let rt = first;
    let last = ExitCode.Ok as number;
    for (;;) {
      try {
        const record = await tick(rt);
        show(record, json);
        last = record.exitCode;
      } catch (e) {
        // A bad input stops the loop (the next tick would fail the same way); anything else is
        // reported and the next tick tries again.
        if (e instanceof UserError) throw e;
        const { reportError } = await import('../errors.js');
        reportError(e, flag(a, 'debug'));
        last = ExitCode.Internal;
      }
      if (stopping) return last === ExitCode.Interrupted ? last : ExitCode.Ok;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake.now = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake.now = null;
      if (stopping) return ExitCode.Ok;
      // --timeout counts from the start of each tick, not of the process.
      rt = createRuntime(a, { access: { ...openHostAccess(a), startedAt: Date.now() } });
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * Quiet unless something changed (cron mails whatever a job prints): the notice's events, a
 * failed delivery (on stderr, from the tick), a skipped tick. --json: every tick, one document
 * per line.
 */
function show(r: TickRecord, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  if (r.skipped) {
    process.stderr.write(`watch: tick skipped: ${r.skipped}\n`);
    return;
  }
  if (!r.notice) return;
  const lines = [`watch: ${r.host ?? ''}: now ${r.state ?? 'unknown'}`, ...r.events.map((e) => `  ${eventText(e)}`)];
  if (r.run?.runId) lines.push(`  run ${r.run.runId} (${r.run.status}): postfix-fix rollback ${r.run.runId} undoes it`);
  for (const n of r.notice.needsHuman) lines.push(`  needs a human: ${n}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function intervalOpt(a: ParsedArgs): number {
  const v = stringOpt(a, 'interval');
  if (v === undefined) return DEFAULT_INTERVAL_S;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 1 || n > 86_400) throw new UserError(`--interval ${JSON.stringify(v)}: not a valid number of seconds`, { expected: 'a number between 1 and 86400, e.g. 300' });
  return n;
}
