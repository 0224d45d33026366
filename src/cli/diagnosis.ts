// The CLI's view of diagnose: findings for the planner, a `gone` checker for verifications, and
// a re-diagnosis for the end-of-run report — all through the same probes.

import { createCauseProbe, runDiagnose } from '../engine/diagnose.js';
import type { DiagnoseReport } from '../engine/diagnose-report.js';
import type { CauseProbe } from '../engine/checks.js';
import type { Finding } from '../probes/types.js';
import { makePlan } from '../engine/planner.js';
import { stackingNote } from '../engine/stacking.js';
import type { Plan } from '../engine/plan-types.js';
import { toolVersion } from '../core/version.js';
import { flag, listOpt, stringOpt } from './args.js';
import type { ParsedArgs } from './args.js';
import { moduleContext } from './runtime.js';
import type { HostView, Runtime } from './runtime.js';

export interface Diagnosis {
  report: DiagnoseReport;
  findings: Finding[];
  exitCode: number;
  causeProbe: CauseProbe;
}

export interface DiagnoseFlags {
  timeoutMs: number;
  offline: boolean;
  outboundDomain?: string;
}

export async function diagnoseHost(rt: Runtime, host: HostView, o: DiagnoseFlags): Promise<Diagnosis> {
  const base = { exec: rt.exec, fs: rt.fs, profile: host.profile, runbooks: rt.catalog.runbooks, timeoutMs: o.timeoutMs, offline: o.offline, ...(o.outboundDomain ? { outboundDomain: o.outboundDomain } : {}) };
  // The budget started with the process: start-up and catalog loading count against --timeout.
  const { report, exitCode } = await runDiagnose({ ...base, facts: host.facts, deadline: rt.startedAt + o.timeoutMs, ...(rt.warm ? { warm: rt.warm } : {}) });
  return {
    report,
    findings: report.findings,
    exitCode,
    causeProbe: createCauseProbe({ exec: rt.exec, fs: rt.fs, profile: host.profile, timeoutMs: o.timeoutMs, offline: o.offline, ...(o.outboundDomain ? { outboundDomain: o.outboundDomain } : {}) }),
  };
}

/** --timeout, --offline and --outbound-domain, as every diagnosing command takes them. */
export function diagnoseFlags(a: ParsedArgs, timeoutMs: number): DiagnoseFlags {
  const domain = stringOpt(a, 'outbound-domain');
  return { timeoutMs, offline: flag(a, 'offline'), ...(domain ? { outboundDomain: domain } : {}) };
}

/** The plan for what diagnose found (or the runbooks named with --runbook), read-only. */
export async function planFor(rt: Runtime, host: HostView, diag: Diagnosis, a: ParsedArgs, vars: Map<string, string>): Promise<Plan> {
  const plan = await makePlan({
    catalog: rt.catalog,
    modules: rt.modules,
    ctx: moduleContext(rt, host, null),
    findings: diag.findings,
    runbookIds: listOpt(a, 'runbook'),
    vars,
    version: toolVersion(),
  });
  const stacking = stackingNote(plan, host.facts);
  return stacking ? { ...plan, stacking } : plan;
}
