// diagnose: facts → probes → report, all under one deadline (--timeout). Read-only: every probe
// only reads files, runs read-only commands, or opens a TCP connection.

import { dialSmtp } from '../exec/dial.js';
import { gatherFacts } from '../facts/gather.js';
import { PROBES, probesFor } from '../probes/registry.js';
import { linkCauses } from '../probes/chains.js';
import { runProbes } from '../probes/run.js';
import { gatherShare, startDiagnoseWarmup, timeScaleFor } from '../probes/warmup.js';
import type { WarmExecutor } from '../probes/warm-exec.js';
import { buildReport } from './diagnose-report.js';
import type { Executor } from '../core/exec.js';
import type { HostFs } from '../core/host-fs.js';
import type { Facts } from '../facts/types.js';
import type { Dialer } from '../core/dial.js';
import type { Probe, ProbeContext } from '../probes/types.js';
import type { Profile } from '../core/profile.js';
import type { Runbook } from './catalog/types.js';
import type { DiagnoseReport } from './diagnose-report.js';
import type { CauseProbe } from './checks.js';
import type { ExitCode } from '../core/exit-codes.js';

export const DEFAULT_OUTBOUND_DOMAIN = 'gmail.com';

export interface DiagnoseOptions {
  exec: Executor;
  fs: HostFs;
  profile: Profile;
  /** Facts already gathered (the CLI gathers them to pick the profile); gathered here if absent. */
  facts?: Facts;
  runbooks: ReadonlyMap<string, Runbook>;
  /** The overall budget for the whole diagnose, facts included when gathered here. */
  timeoutMs: number;
  /**
   * Absolute end (Date.now() time) when the budget started earlier than this call — a CLI
   * passes process start + --timeout so start-up and catalog loading count too. Default: now +
   * timeoutMs.
   */
  deadline?: number;
  /** No traffic beyond this host: DNS and outbound checks are skipped. */
  offline: boolean;
  /** Domain whose MX the outbound port 25 check dials (default gmail.com). */
  outboundDomain?: string;
  /** Override the TCP dialer (the lab dials from inside a namespace host). */
  dialer?: Dialer;
  /** Override the probe list (tests). */
  probes?: readonly Probe[];
  /** Default: whether this process runs as root. */
  isRoot?: boolean;
  /**
   * Slow commands already started by startDiagnoseWarmup() (the CLI calls it first thing, before
   * loading the catalog); started here otherwise.
   */
  warm?: WarmExecutor;
}

export interface DiagnoseResult {
  report: DiagnoseReport;
  exitCode: ExitCode;
  facts: Facts;
}

export async function runDiagnose(options: DiagnoseOptions): Promise<DiagnoseResult> {
  const startedAt = new Date();
  const started = startedAt.getTime();
  const deadline = options.deadline ?? started + options.timeoutMs;
  const probes = options.probes ?? PROBES;
  // Warm-ups belong to the default probes: a custom probe list (tests) starts none.
  const warm = options.warm ?? startDiagnoseWarmup({ exec: options.exec, fs: options.fs, isRoot: options.isRoot, timeoutMs: options.timeoutMs, ...(options.probes ? { warmups: [] } : {}) });
  const facts = options.facts ?? (await gatherFacts({ exec: options.exec, fs: options.fs, profile: options.profile, dialer: options.dialer ?? dialSmtp, deadline: Math.min(deadline, started + gatherShare(options.timeoutMs)), timeScale: timeScaleFor(options.timeoutMs) }));
  const gatherMs = options.facts ? 0 : Date.now() - started;
  const { findings, timings } = await runProbes(probes, { ...probeBase(options, facts), exec: warm.exec }, deadline);
  const report = buildReport({
    facts,
    profile: options.profile,
    findings: linkCauses(findings),
    runbooks: options.runbooks,
    startedAt,
    durationMs: Date.now() - started,
    timeoutMs: options.timeoutMs,
    offline: options.offline,
    gatherMs,
    timings,
    isRoot: options.isRoot ?? process.getuid?.() === 0,
  });
  return { report, exitCode: report.exitCode, facts };
}

/**
 * For a runbook's `gone` check: re-run only the probes that can report `cause`, against fresh
 * facts, and say whether any still does.
 */
export function createCauseProbe(options: Omit<DiagnoseOptions, 'facts' | 'runbooks' | 'probes'>): CauseProbe {
  return async (cause, facts) => {
    const probes = probesFor(cause);
    if (probes.length === 0) return { found: false, evidence: [`no check reports ${cause}`] };
    const { findings } = await runProbes(probes, probeBase(options, facts), Date.now() + options.timeoutMs);
    const hits = findings.filter((f) => f.cause === cause && (f.status === 'fail' || f.status === 'warn'));
    const unknowns = findings.filter((f) => f.status === 'unknown');
    return {
      found: hits.length > 0,
      evidence: hits.length > 0 ? hits.flatMap((f) => [f.title, ...f.evidence]) : [`${probes.map((p) => p.name).join(', ')}: ${cause} not found`, ...unknowns.map((f) => `(unknown) ${f.title}`)],
    };
  };
}

function probeBase(options: Omit<DiagnoseOptions, 'facts' | 'runbooks'>, facts: Facts): Omit<ProbeContext, 'deadline'> {
  return {
    exec: options.exec,
    fs: options.fs,
    facts,
    profile: options.profile,
    isRoot: options.isRoot ?? process.getuid?.() === 0,
    settings: { offline: options.offline, outboundDomain: options.outboundDomain ?? DEFAULT_OUTBOUND_DOMAIN },
    dialer: options.dialer ?? dialSmtp,
    timeScale: timeScaleFor(options.timeoutMs),
  };
}
