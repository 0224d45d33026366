// The diagnose report: findings sorted by status then cause rank, the top cause, the runbooks
// that fix what was found, and the exit code. A pure function of what the probes found, so the
// renderers, the JSON schema and the tests all see one shape.

import { CAUSES } from '../probes/causes.js';
import { causeRank } from '../probes/finding.js';
import { ExitCode } from '../core/exit-codes.js';
import type { Facts } from '../facts/types.js';
import type { Finding, FindingStatus } from '../probes/types.js';
import type { ProbeTiming } from '../probes/run.js';
import type { Profile } from '../core/profile.js';
import type { Runbook } from './catalog/types.js';
import { byCodePoint } from '../core/compare.js';
import { symptomFlags } from '../core/client.js';
import type { ClientQuery } from '../core/client.js';

export const DIAGNOSE_SCHEMA_VERSION = 1;

export type DiagnoseStatus = 'healthy' | 'fixable' | 'needs-human';

export interface ReportFinding extends Finding {
  /** The cause's rank (lower = more likely *the* reason); null for ok/unknown findings. */
  rank: number | null;
}

/** The lowest-ranked failure, or (when nothing fails) the lowest-ranked warning a runbook fixes. */
export interface TopCause {
  cause: string;
  /** fail, or warn when nothing fails and a runbook fixes this warning. */
  status: 'fail' | 'warn';
  /** The cause in general words (from the registry). */
  causeTitle: string;
  /** This host's finding, in its own words. */
  title: string;
  rank: number;
  check: string;
  evidence: string[];
  fixedBy: string[];
  /** `postfix-fix run --runbook …`, or null when no runbook fixes it. */
  command: string | null;
  human?: { reason: string; steps: string[] };
}

export interface Fix {
  runbook: string;
  title: string;
  /** The causes found that this runbook fixes, most likely first. */
  causes: string[];
  command: string;
}

export interface DiagnoseReport {
  schemaVersion: typeof DIAGNOSE_SCHEMA_VERSION;
  host: { hostname: string; os: string; postfixVersion: string | null; serviceManager: string };
  profile: { id: string; name: string };
  startedAt: string;
  durationMs: number;
  timeoutMs: number;
  offline: boolean;
  status: DiagnoseStatus;
  exitCode: ExitCode;
  topCause: TopCause | null;
  findings: ReportFinding[];
  fixes: Fix[];
  /** Facts that could not be gathered (and why): findings that needed them say unknown. */
  factErrors: Array<{ fact: string; message: string }>;
  /**
   * Run without root: what could not be checked fully because of it (checks and facts, each with
   * its reason). Empty as root. Optional so reports of older versions still validate.
   */
  needsRoot?: string[];
  timings: { gatherMs: number; probes: ProbeTiming[] };
  /**
   * The client and ports the findings answer for (--from, --port); absent when none was named.
   * `ports` are those judged (asked for, or 25 plus master.cf's smtpd ports).
   */
  client?: { address: string | null; name: string | null; ports: number[]; portsGiven: boolean; via: string | null };
}

export interface ReportInput {
  facts: Facts;
  profile: Profile;
  findings: Finding[];
  runbooks: ReadonlyMap<string, Runbook>;
  startedAt: Date;
  durationMs: number;
  timeoutMs: number;
  offline: boolean;
  gatherMs: number;
  timings: ProbeTiming[];
  /** Default true: nothing is listed under needsRoot. */
  isRoot?: boolean;
}

// How probes and tools say a check was limited by our privileges.
const PRIVILEGE = /needs root|run as root|must be root|by root only|readable by root|permission denied|EACCES|EPERM|operation not permitted/i;

/** Without root: the checks and facts that were limited by it, in their own words. */
export function limitedWithoutRoot(findings: readonly Finding[], factErrors: ReadonlyArray<{ fact: string; message: string }>): string[] {
  const checks = findings.filter((f) => f.status === 'unknown' && [f.title, ...f.evidence].some((t) => PRIVILEGE.test(t))).map((f) => `${f.check}: ${f.title}`);
  const facts = factErrors.filter((e) => PRIVILEGE.test(e.message)).map((e) => `fact ${e.fact}: ${e.message}`);
  return [...new Set([...checks, ...facts])];
}

const STATUS_ORDER: Readonly<Record<FindingStatus, number>> = { fail: 0, warn: 1, unknown: 2, ok: 3 };

export function runCommand(runbook: string, client?: ClientQuery | null): string {
  return ['postfix-fix', 'run', '--runbook', runbook, ...symptomFlags(client)].join(' ');
}

/** The symptom the report answers for, as the flags that repeat it. */
export function reportQuery(facts: Facts): ClientQuery | null {
  const c = facts.client;
  return c ? { address: c.address, name: c.name, ports: c.portsGiven ? c.ports : null } : null;
}

/**
 * Runbooks whose symptoms name the cause, by id. A runbook run only on request is not "the fix"
 * diagnose offers: the finding's own advice names it, with the choice it implies.
 */
export function runbooksFixing(cause: string, runbooks: ReadonlyMap<string, Runbook>): string[] {
  return [...runbooks.values()]
    .filter((r) => !r.onRequest && r.symptoms.includes(cause))
    .map((r) => r.id)
    .sort();
}

export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => STATUS_ORDER[a.f.status] - STATUS_ORDER[b.f.status] || causeRank(a.f.cause) - causeRank(b.f.cause) || a.i - b.i)
    .map((x) => x.f);
}

/** A problem is a failure, or a warning some runbook fixes; other warnings are advice. */
export function isProblem(f: Finding): boolean {
  return f.status === 'fail' || (f.status === 'warn' && f.fixedBy.length > 0);
}

export function exitCodeFor(findings: readonly Finding[]): ExitCode {
  const problems = findings.filter(isProblem);
  // Something a runbook can fix comes first: running it is the next step even if a human is
  // needed afterwards (run's own exit code will say so).
  if (problems.some((f) => f.fixedBy.length > 0)) return ExitCode.ChangesNeeded;
  if (problems.length > 0) return ExitCode.NeedsHuman;
  return ExitCode.Ok;
}

export function buildReport(input: ReportInput): DiagnoseReport {
  const findings: ReportFinding[] = sortFindings(
    input.findings.map((f) => ({
      ...f,
      // A consequence of another cause found (chains.ts) is fixed by fixing that one.
      fixedBy: f.cause && f.status !== 'ok' && !f.explainedBy ? runbooksFixing(f.cause, input.runbooks) : [],
      rank: f.cause && (f.status === 'fail' || f.status === 'warn') ? causeRank(f.cause) : null,
    })),
  );
  const exitCode = exitCodeFor(findings);
  // The most likely failure; with none, the most likely problem a runbook fixes (never advice).
  const top = findings.find((f) => f.status === 'fail' && f.cause) ?? findings.find((f) => isProblem(f) && f.cause);
  const topCause: TopCause | null = top?.cause
    ? {
        cause: top.cause,
        status: top.status === 'fail' ? 'fail' : 'warn',
        causeTitle: CAUSES[top.cause]?.title ?? top.cause,
        title: top.title,
        rank: causeRank(top.cause),
        check: top.check,
        evidence: gatherEvidence(findings, top),
        fixedBy: top.fixedBy,
        command: top.fixedBy[0] ? runCommand(top.fixedBy[0], reportQuery(input.facts)) : null,
        ...(top.human ? { human: top.human } : {}),
      }
    : null;
  return {
    schemaVersion: DIAGNOSE_SCHEMA_VERSION,
    host: {
      hostname: input.facts.hostname,
      os: input.facts.os.prettyName || input.facts.os.id,
      postfixVersion: input.facts.postfix.version,
      serviceManager: input.facts.init.manager,
    },
    profile: { id: input.profile.id, name: input.profile.name },
    startedAt: input.startedAt.toISOString(),
    durationMs: input.durationMs,
    timeoutMs: input.timeoutMs,
    offline: input.offline,
    status: exitCode === ExitCode.Ok ? 'healthy' : exitCode === ExitCode.ChangesNeeded ? 'fixable' : 'needs-human',
    exitCode,
    topCause,
    findings,
    fixes: fixesFor(findings, input.runbooks, reportQuery(input.facts)),
    factErrors: input.facts.errors,
    needsRoot: input.isRoot === false ? limitedWithoutRoot(findings, input.facts.errors) : [],
    timings: { gatherMs: input.gatherMs, probes: input.timings },
    ...(input.facts.client ? { client: reportClient(input.facts) } : {}),
  };
}

function reportClient(facts: Facts): NonNullable<DiagnoseReport['client']> {
  const c = facts.client as NonNullable<Facts['client']>;
  const via = c.local ? 'this host itself (loopback)' : c.bridge ? `${c.bridge.kind} bridge ${c.bridge.name}, ${c.bridge.subnet}` : c.iface;
  return { address: c.address, name: c.name, ports: c.ports, portsGiven: c.portsGiven, via };
}

/** The top finding's evidence, then what other checks saw of the same cause. */
function gatherEvidence(findings: readonly ReportFinding[], top: ReportFinding): string[] {
  const more = findings.filter((f) => f !== top && f.cause === top.cause && f.status !== 'ok').flatMap((f) => f.evidence);
  return [...new Set([...top.evidence, ...more])];
}

function fixesFor(findings: readonly ReportFinding[], runbooks: ReadonlyMap<string, Runbook>, client: ClientQuery | null = null): Fix[] {
  const byRunbook = new Map<string, Set<string>>();
  for (const f of findings) {
    if (f.status === 'ok' || f.status === 'unknown' || !f.cause) continue;
    for (const id of f.fixedBy) byRunbook.set(id, (byRunbook.get(id) ?? new Set()).add(f.cause));
  }
  return [...byRunbook]
    .map(([id, causes]) => ({
      runbook: id,
      title: runbooks.get(id)?.title ?? id,
      causes: [...causes].sort((a, b) => causeRank(a) - causeRank(b)),
      command: runCommand(id, client),
    }))
    .sort((a, b) => causeRank(a.causes[0]) - causeRank(b.causes[0]) || byCodePoint(a.runbook, b.runbook));
}
