// `run` and `apply` hand the plan to the headless engine and only show what it does: a task list
// and prompts at a terminal, plain lines on stderr otherwise. SIGINT/SIGTERM become an abort of
// the run's signal; what that means (roll back, exit 130) is the engine's call.

import { applyPlan, askAbove, proveEndToEnd, riskPolicy } from '../engine/run/index.js';
import type { ConvergeDeps, Decide, RunDeps, RunEvent, RunOutcome } from '../engine/run/index.js';
import type { Risk } from '../core/risk.js';
import type { CauseProbe } from '../engine/checks.js';
import { createSyslogChangeLog } from '../engine/change-log.js';
import { createGuardScheduler } from '../engine/guards.js';
import type { Plan } from '../engine/plan-types.js';
import { redactorForHost } from '../core/redact.js';
import type { RunReportMeta } from '../report/run-report.js';
import { toolVersion } from '../core/version.js';
import { plainRunLines } from './render/run-lines.js';
import { moduleContext } from './runtime.js';
import type { HostView, Runtime } from './runtime.js';

export interface ExecuteOptions {
  rt: Runtime;
  host: HostView;
  plan: Plan;
  command: 'run' | 'apply' | 'watch';
  /** At a terminal: a task list, and a prompt for each step riskier than "low". */
  interactive: boolean;
  /** Without a terminal: the riskiest step applied without asking. */
  maxRisk: Risk;
  causeProbe?: CauseProbe;
  refreshFacts: () => Promise<HostView['facts']>;
  /** argv of this program, for the deadline guards of temporary changes. */
  self: string[];
  /** Diagnose again after each round and fix what it reveals (convergeDeps). */
  converge?: ConvergeDeps;
  /** Without a terminal: steers instead of --max-risk (apply: the saved plan is approved, later rounds are capped). */
  decide?: Decide;
}

export function runDeps(o: ExecuteOptions): RunDeps {
  return {
    command: o.command,
    version: toolVersion(),
    stateDir: o.rt.stateDir,
    ctx: moduleContext(o.rt, o.host, null),
    modules: o.rt.modules,
    runbooks: o.rt.catalog.runbooks,
    guards: createGuardScheduler({ exec: o.rt.exec, serviceManager: o.host.facts.init.manager, stateDir: o.rt.stateDir, self: o.self }),
    changeLog: (runId) => createSyslogChangeLog(o.rt.exec, runId),
    ...(o.causeProbe ? { causeProbe: o.causeProbe } : {}),
    refreshFacts: o.refreshFacts,
    commandLog: o.rt.audit,
    ...(o.converge ? { converge: o.converge } : {}),
    proveEndToEnd,
  };
}

export function reportHost(host: HostView): RunReportMeta['host'] {
  return { hostname: host.facts.hostname, os: host.os.prettyName, profile: host.profile.id, serviceManager: host.facts.init.manager };
}

export async function executePlan(o: ExecuteOptions): Promise<RunOutcome> {
  // What is shown while the run goes (diffs, prompts, evidence) keeps password-like values out.
  const redact = await redactorForHost(o.rt.fs, o.host.facts.postfix.configDir, o.plan);
  const controller = new AbortController();
  // Held until the run has returned: a second Ctrl-C during the rollback must not cut it short.
  const onSignal = (sig: NodeJS.Signals): void => controller.abort(sig);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let onEvent: (e: RunEvent) => void;
  let decide: Decide;
  let finished = (): Promise<void> => Promise.resolve();
  let close = (): void => undefined;
  if (o.interactive) {
    // Loaded only for a terminal: unattended runs never pay for listr2 and inquirer.
    const { taskRenderer } = await import('./render/run-tasks.js');
    const tasks = taskRenderer({ redact, signal: controller.signal, interrupt: (sig) => controller.abort(sig) });
    onEvent = tasks.onEvent;
    decide = askAbove('low', tasks.ask);
    finished = tasks.finished;
    close = tasks.close;
  } else {
    onEvent = plainRunLines(redact);
    decide = o.decide ?? riskPolicy(o.maxRisk);
  }

  try {
    return await applyPlan(o.plan, runDeps(o), { decide, onEvent, signal: controller.signal });
  } finally {
    close();
    await finished();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
