// One watch tick: under the run lock, diagnose; plan the fixes the watch policy allows, minus the
// causes in back-off; apply them through the headless engine, journaled like `run` (so
// `postfix-fix rollback` undoes them); record what changed; then — lock released, fix done —
// tell whoever the policy names, if anything changed. A tick that finds the lock held does
// nothing and says so at once.

import { join } from 'node:path';
import { RefusedError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { redactorForHost } from '../core/redact.js';
import { toolVersion } from '../core/version.js';
import { acquireLock } from '../engine/lock.js';
import { applyPolicy } from '../engine/policy.js';
import { ensureStateDir, runDirOf } from '../engine/state-dir.js';
import { deliverNotice } from '../engine/watch/notify.js';
import type { Delivery } from '../engine/watch/notify.js';
import { asRunPolicy } from '../engine/watch/policy.js';
import type { WatchPolicy } from '../engine/watch/policy.js';
import { readWatchState, writeWatchState } from '../engine/watch/state.js';
import { attemptedCauses, holdBackedOff, problemsOf, settleTick } from '../engine/watch/tick.js';
import type { BackoffHold, Problem, TickRun, WatchEvent } from '../engine/watch/tick.js';
import { writeFileAtomic } from '../exec/host-fs.js';
import { postJson } from '../exec/http-post.js';
import type { PostJson } from '../exec/http-post.js';
import { toRunReport } from '../report/run-report.js';
import type { RunReport } from '../report/run-report.js';
import { buildNotice, noticePriority } from '../report/watch-notice.js';
import type { WatchNotice } from '../report/watch-notice.js';
import type { ParsedArgs } from './args.js';
import { diagnoseFlags, diagnoseHost, planFor } from './diagnosis.js';
import { executePlan, reportHost } from './execute.js';
import { viewHost } from './runtime.js';
import type { Runtime } from './runtime.js';
import { selfArgv } from './self.js';

export const TICK_RECORD_VERSION = 1;

/** What `watch --json` prints for each tick. */
export interface TickRecord {
  schemaVersion: typeof TICK_RECORD_VERSION;
  command: 'watch';
  at: string;
  host: string | null;
  /** Why the tick did nothing (another run holds the lock), or null. */
  skipped: string | null;
  state: 'healthy' | 'problem' | null;
  problems: Array<{ cause: string; title: string; status: 'fail' | 'warn' }>;
  /** Causes not touched this tick because of back-off. */
  held: BackoffHold[];
  events: WatchEvent[];
  /** The run, when the tick changed something or tried to (its journal is runs/RUN_ID). */
  run: RunReport | null;
  notice: WatchNotice | null;
  deliveries: Delivery[];
  exitCode: number;
}

export interface TickOptions {
  args: ParsedArgs;
  policy: WatchPolicy;
  timeoutMs: number;
  /** How the lock names this tick's holder. */
  lockCommand: string;
  /** Tests aim webhooks elsewhere; production posts with node:http(s). */
  post?: PostJson;
  warn?: (line: string) => void;
  /** A signal arrived while diagnosing: apply nothing, end the tick. */
  stopRequested?: () => boolean;
}

export async function watchTick(rt: Runtime, o: TickOptions): Promise<TickRecord> {
  const warn = o.warn ?? ((l: string) => process.stderr.write(`${l}\n`));
  await ensureStateDir(rt.stateDir);
  let lock;
  try {
    lock = await acquireLock(rt.stateDir, o.lockCommand);
  } catch (e) {
    if (!(e instanceof RefusedError)) throw e;
    return { ...emptyRecord(), skipped: e.message, exitCode: ExitCode.Refused };
  }

  let record: TickRecord;
  try {
    if (lock.tookOverFrom) warn(`watch: took over a stale lock left by pid ${lock.tookOverFrom.pid} (started ${lock.tookOverFrom.startedAt}); consider \`postfix-fix rollback --list\``);
    const loaded = await readWatchState(rt.stateDir);
    if (loaded.warning) warn(`watch: ${loaded.warning}`);
    const started = Date.now();
    const host = await viewHost(rt, o.timeoutMs);
    const diag = await diagnoseHost(rt, host, diagnoseFlags(o.args, o.timeoutMs));
    const diagnoseMs = Date.now() - started;
    const found = problemsOf(diag.findings);
    const allowed = applyPolicy(await planFor(rt, host, diag, o.args, new Map()), asRunPolicy(o.policy), o.policy.maxRisk).plan;
    const { plan, held } = holdBackedOff(allowed, loaded.state, o.policy.maxFixesPerCausePerHour, Date.now());
    const planMs = Date.now() - started - diagnoseMs;
    // A signal while diagnosing: start no fix (a tick with nothing to change just ends as usual).
    if (o.stopRequested?.() && plan.summary.changes > 0) return { ...emptyRecord(), host: host.facts.hostname, skipped: 'stopping: a signal arrived before anything was applied', exitCode: ExitCode.Interrupted };

    const outcome = await executePlan({
      rt,
      host,
      plan,
      command: 'watch',
      interactive: false,
      maxRisk: o.policy.maxRisk,
      causeProbe: diag.causeProbe,
      refreshFacts: async () => (await viewHost(rt, o.timeoutMs)).facts,
      self: selfArgv(),
    });
    const redact = await redactorForHost(rt.fs, host.facts.postfix.configDir, plan);
    const report = redact.json(toRunReport(outcome, { command: 'watch', version: toolVersion(), host: reportHost(host), startedAt: started, timing: { diagnoseMs, planMs } }));
    if (report.runId) await writeFileAtomic(join(runDirOf(rt.stateDir, report.runId), 'report.json'), JSON.stringify(report, null, 2) + '\n', { mode: 0o600 });

    const attempted = attemptedCauses(plan, outcome.steps, found);
    const run: TickRun | null = attempted.size
      ? { runId: outcome.runId, status: outcome.status, error: report.error ? firstLine(report.error.message) : null, attempted, remaining: new Set(outcome.remaining.map((f) => f.cause ?? f.check)) }
      : null;
    const now = Date.now();
    const settled = settleTick(loaded.state, { now, found, run, limit: o.policy.maxFixesPerCausePerHour });
    // The fix is done and journaled; a state that cannot be saved (a full disk) costs a repeated
    // notice next time, which is better than none now.
    await writeWatchState(rt.stateDir, settled.state).catch((e: unknown) => warn(`watch: could not save ${rt.stateDir}/watch/state.json: ${(e as Error).message}`));
    // Back-off reached at the end of this tick: from now on this is a person's to fix.
    const reached = settled.events.flatMap((e) => (e.kind === 'backoff' ? [`${e.cause}: ${e.fixes} fix(es) within the hour did not make it go away; watch leaves it alone until ${e.until}`] : []));
    const needsHuman = [...new Set([...outcome.needsHuman, ...reached])];
    const notice = settled.events.length
      ? redact.json(buildNotice({ version: toolVersion(), host: host.facts.hostname, now, events: settled.events, problems: settled.problems, runId: run?.runId ?? null, needsHuman }))
      : null;
    record = {
      ...emptyRecord(),
      host: host.facts.hostname,
      state: settled.problems.length ? 'problem' : 'healthy',
      problems: shown(redact.json(settled.problems)),
      held,
      events: notice ? notice.events : [],
      run: report.runId ? report : null,
      notice,
      exitCode: report.exitCode === ExitCode.Changed ? ExitCode.Ok : report.exitCode,
    };
  } finally {
    await lock.release();
  }

  // After the fix and outside the lock: a slow or hanging receiver delays nothing but itself.
  if (record.notice) {
    record.deliveries = await deliverNotice({ json: record.notice, line: record.notice.text, priority: noticePriority(record.notice) }, o.policy.notify, { exec: rt.exec, post: o.post ?? postJson, userAgent: `postfix-fix/${toolVersion()}` });
    for (const d of record.deliveries) if (!d.ok) warn(`watch: notice via ${d.target} failed: ${d.detail}`);
  }
  return record;
}

function emptyRecord(): TickRecord {
  return { schemaVersion: TICK_RECORD_VERSION, command: 'watch', at: new Date().toISOString(), host: null, skipped: null, state: null, problems: [], held: [], events: [], run: null, notice: null, deliveries: [], exitCode: ExitCode.Ok };
}

function shown(problems: readonly Problem[]): TickRecord['problems'] {
  return problems.map((p) => ({ cause: p.cause, title: p.title, status: p.status }));
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
