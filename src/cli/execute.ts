// Drive a plan through listr2: a task per step, the runbook's verifications after its steps, and
// on any failure (or abort, or SIGINT/SIGTERM) a rollback of everything this run applied. The
// same tasks run at a terminal (default renderer, prompts) and unattended (plain lines on stderr,
// no prompts), so both paths apply a plan identically.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ListrInquirerPromptAdapter } from '@listr2/prompt-adapter-inquirer';
import { select } from '@inquirer/prompts';
import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import type { ListrTask, ListrTaskWrapper } from 'listr2';
import type { Risk } from '../core/risk.js';
import { RISK_RANK } from '../core/risk.js';
import type { CauseProbe } from '../engine/checks.js';
import { ExitCode } from '../core/exit-codes.js';
import { needsHuman as needsHumanFor } from '../engine/needs-human.js';
import { createSyslogChangeLog } from '../engine/change-log.js';
import { createGuardScheduler } from '../engine/guards.js';
import type { Plan, PlannedCheck, PlannedRunbook, PlannedStep } from '../engine/plan-types.js';
import { newRunId, runDirOf } from '../engine/state-dir.js';
import { AbortRequested, StepError } from '../core/errors.js';
import { Transaction } from '../engine/transaction.js';
import type { Decision } from '../engine/transaction.js';
import type { UndoResult } from '../engine/undo.js';
import type { Finding } from '../probes/types.js';
import { redactorForHost } from '../core/redact.js';
import { RUN_REPORT_SCHEMA_VERSION } from '../report/run-report.js';
import type { RunReport, RunStatus } from '../report/run-report.js';
import { toolVersion } from '../core/version.js';
import { moduleContext } from './runtime.js';
import type { HostView, Runtime } from './runtime.js';

export interface ExecuteOptions {
  rt: Runtime;
  host: HostView;
  plan: Plan;
  command: 'run' | 'apply';
  interactive: boolean;
  maxRisk: Risk;
  causeProbe?: CauseProbe;
  refreshFacts: () => Promise<HostView['facts']>;
  timing: { diagnoseMs: number; planMs: number };
  /** argv of this program, for the deadline guards of temporary changes. */
  self: string[];
}

class VerificationFailed extends Error {
  constructor(
    readonly runbook: string,
    readonly checks: PlannedCheck[],
  ) {
    super(`verification failed for ${runbook}: ${checks.filter((c) => c.ok === false).map((c) => c.name).join('; ')}`);
    this.name = 'VerificationFailed';
  }
}

class Interrupted extends Error {
  constructor(signal: string) {
    super(`interrupted by ${signal}`);
    this.name = 'Interrupted';
  }
}

type Ctx = Record<string, never>;
type Task = ListrTaskWrapper<Ctx, any, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function stepDetails(step: PlannedStep): string {
  return [
    `step ${step.seq}: ${step.name}  [${step.runbook}, module ${step.module}, risk ${step.risk}]`,
    ...(step.change?.diff ?? []).map((l) => `  ${l}`),
    `  undo: ${step.undo}`,
    `  verify: ${step.verification}`,
  ].join('\n');
}

export async function executePlan(o: ExecuteOptions): Promise<RunReport> {
  const started = Date.now();
  const runId = newRunId();
  const runDir = runDirOf(o.rt.stateDir, runId);
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  o.rt.audit.mirrorToFile(join(runDir, 'commands.log'));
  const ctx = moduleContext(o.rt, o.host, runDir);
  // What is shown while the run goes (diffs, prompts, evidence) keeps password-like values out.
  const redact = await redactorForHost(o.rt.fs, o.host.facts.postfix.configDir, o.plan);
  const tx = await Transaction.begin({
    runId,
    journalPath: join(runDir, 'journal.jsonl'),
    command: `${o.command}`,
    version: toolVersion(),
    planDigest: o.plan.fingerprint.digest,
    ctx,
    modules: o.rt.modules,
    runbooks: o.rt.catalog.runbooks,
    changeLog: createSyslogChangeLog(o.rt.exec, runId),
    guards: createGuardScheduler({ exec: o.rt.exec, serviceManager: o.host.facts.init.manager, stateDir: o.rt.stateDir, self: o.self }),
    ...(o.causeProbe ? { causeProbe: o.causeProbe } : {}),
    refreshFacts: o.refreshFacts,
  });

  let interrupted: string | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupted = sig;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const checkInterrupt = (): void => {
    if (interrupted) throw new Interrupted(interrupted);
  };

  const verifications: RunReport['verifications'] = [];
  const decide = (step: PlannedStep, task: Task) => async (): Promise<Decision> => {
    if (!o.interactive) return RISK_RANK[step.risk] > RISK_RANK[o.maxRisk] ? 'skip' : 'apply';
    if (step.risk === 'low') return 'apply';
    for (;;) {
      const answer = await task.prompt(ListrInquirerPromptAdapter).run(select<string>, {
        message: `Apply step ${step.seq} (${step.risk} risk): ${redact.text(step.change?.summary ?? step.name)}?`,
        choices: [
          { name: 'yes — apply it', value: 'apply' },
          { name: 'no — skip it (and the rest of this runbook)', value: 'skip' },
          { name: 'abort — roll back everything this run applied', value: 'abort' },
          { name: 'details — show the exact change, undo and verification', value: 'details' },
        ],
      });
      if (answer !== 'details') return answer as Decision;
      task.output = stepDetails(redact.json(step));
    }
  };

  const stepTask = (step: PlannedStep): ListrTask<Ctx> => ({
    title: `${step.seq}. ${step.name}`,
    task: async (_c, task) => {
      checkInterrupt();
      if (step.change) task.output = redact.lines(step.change.diff).join('\n');
      const r = await tx.runStep(step, decide(step, task));
      if (r.status === 'changed') task.title = `${step.seq}. ${step.name} — changed`;
      else task.skip(`${step.seq}. ${step.name} — ${r.status}${r.reason ? `: ${r.reason}` : ''}`);
      checkInterrupt();
    },
  });

  const runbookTask = (rb: PlannedRunbook): ListrTask<Ctx> => ({
    title: `${rb.id}: ${rb.title}`,
    task: (_c, task) => {
      if (rb.status === 'blocked') return task.skip(`${rb.id}: blocked — ${rb.blockedReason ?? ''}`);
      if (rb.status === 'nothing-to-do') return task.skip(`${rb.id}: nothing to do`);
      return task.newListr(
        [
          ...rb.steps.map(stepTask),
          {
            title: `verify ${rb.id}`,
            task: async (_c2, t2) => {
              if (tx.declined.has(rb.id) || !rb.steps.some((s) => tx.results.get(s.seq)?.status === 'changed')) return t2.skip(`verify ${rb.id}: skipped (nothing was changed by it)`);
              const checks = await tx.verifyRunbook(rb);
              verifications.push(...checks.map((c) => ({ runbook: rb.id, ...c })));
              t2.output = redact.text(checks.map((c) => `${c.ok === false ? '✗' : c.ok === null ? '?' : '✓'} ${c.name}: ${c.evidence.join('; ')}`).join('\n'));
              if (checks.some((c) => c.ok === false)) throw new VerificationFailed(rb.id, checks);
            },
          },
        ],
        { exitOnError: true },
      );
    },
  });

  const logger = new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) });
  const list = new Listr<Ctx>(o.plan.runbooks.map(runbookTask), {
    concurrent: false,
    exitOnError: true,
    registerSignalListeners: false,
    renderer: o.interactive ? 'default' : 'simple',
    fallbackRenderer: 'simple',
    rendererOptions: o.interactive ? { collapseSubtasks: false, persistentOutput: true, logger } : { logger },
    fallbackRendererOptions: { logger },
  } as never);

  let status: RunStatus;
  let rollback: UndoResult[] | null = null;
  let error: RunReport['error'] = null;
  const applyStarted = Date.now();
  try {
    await list.run();
    checkInterrupt();
    status = [...tx.results.values()].some((r) => r.status === 'changed') ? 'changed' : 'nothing-to-do';
  } catch (e) {
    error = { message: (e as Error).message, evidence: e instanceof StepError ? e.evidence : e instanceof VerificationFailed ? e.checks.flatMap((c) => c.evidence) : [] };
    if (!(e instanceof StepError || e instanceof VerificationFailed || e instanceof AbortRequested || e instanceof Interrupted)) {
      error.evidence.push(String((e as Error).stack ?? e));
    }
    process.stderr.write(redact.text(`\n${e instanceof AbortRequested ? 'Aborted' : 'Failed'}: ${(e as Error).message}\n${error.evidence.map((l) => `  ${l}`).join('\n')}\nRolling back what this run applied…\n`));
    rollback = await tx.rollback(e instanceof AbortRequested ? 'operator abort' : e instanceof Interrupted ? 'signal' : 'step failure');
    for (const r of rollback) process.stderr.write(redact.text(`  ${r.ok ? 'undone' : 'NOT undone'}: step ${r.seq} ${r.name}${r.error ? ` — ${r.error}` : ''}\n`));
    const complete = rollback.every((r) => r.ok);
    status = !complete ? 'rollback-incomplete' : e instanceof Interrupted ? 'interrupted' : e instanceof AbortRequested ? 'aborted' : 'failed-rolled-back';
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const ended = await tx.endTemporary();
  if (ended.some((r) => !r.ok)) status = 'rollback-incomplete';
  const applyMs = Date.now() - applyStarted;

  const needsHuman = needsHumanFor(o.plan, o.plan.findings);
  for (const [rb, why] of tx.declined) needsHuman.push(`${rb}: ${why}`);
  let remaining: Finding[] = [];
  if (status === 'changed') {
    remaining = await stillFound(o, verifications);
    for (const f of remaining) needsHuman.push(`still found after the run: ${f.title}`);
  }
  if (status === 'nothing-to-do' && needsHuman.length > 0) status = 'needs-human';

  const exitCode = exitCodeFor(status, needsHuman.length > 0);
  await tx.end(status);
  return {
    schemaVersion: RUN_REPORT_SCHEMA_VERSION,
    tool: { name: 'postfix-fix', version: toolVersion() },
    command: o.command,
    runId,
    status,
    exitCode,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    host: { hostname: o.host.facts.hostname, os: o.host.os.prettyName, profile: o.host.profile.id, serviceManager: o.host.facts.init.manager },
    findings: o.plan.findings,
    steps: [...tx.results.values()].sort((a, b) => a.seq - b.seq),
    verifications,
    rollback,
    needsHuman,
    remaining,
    error,
    journal: join(runDir, 'journal.jsonl'),
    timing: { ...o.timing, applyMs },
  };
}

/**
 * The problems diagnose found before the run that are still there. Causes a runbook's own `gone`
 * check just verified are not probed twice; the others are re-probed (only their probes, not a
 * whole diagnose), against a fresh look at the host.
 */
async function stillFound(o: ExecuteOptions, verifications: RunReport['verifications']): Promise<Finding[]> {
  if (!o.causeProbe) return [];
  const verifiedGone = new Set(verifications.filter((v) => v.kind === 'gone' && v.ok === true).map((v) => v.cause));
  const byCause = new Map<string, Finding>();
  for (const f of o.plan.findings) if (f.status === 'fail' && f.cause && !verifiedGone.has(f.cause) && !byCause.has(f.cause)) byCause.set(f.cause, f);
  if (byCause.size === 0) return [];
  const facts = await o.refreshFacts();
  const probe = o.causeProbe;
  const checked = await Promise.all([...byCause.values()].map(async (f) => ({ f, r: await probe(f.cause as string, facts) })));
  return checked.filter(({ r }) => r.found).map(({ f, r }) => ({ ...f, evidence: r.evidence }));
}

export function exitCodeFor(status: RunStatus, needsHuman: boolean): number {
  switch (status) {
    case 'failed-rolled-back':
    case 'aborted':
      return ExitCode.FailedRolledBack;
    case 'rollback-incomplete':
      return ExitCode.RollbackIncomplete;
    case 'interrupted':
      return ExitCode.Interrupted;
    case 'refused':
      return ExitCode.Refused;
    case 'needs-human':
      return ExitCode.NeedsHuman;
    case 'changed':
      return needsHuman ? ExitCode.NeedsHuman : ExitCode.Changed;
    case 'nothing-to-do':
      return needsHuman ? ExitCode.NeedsHuman : ExitCode.Ok;
  }
}
