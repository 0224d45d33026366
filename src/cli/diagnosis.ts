// The CLI's view of diagnose: findings for the planner, a `gone` checker for verifications, and
// a re-diagnosis for the end-of-run report — all through the same probes.

import { createCauseProbe, runDiagnose } from '../engine/diagnose.js';
import type { DiagnoseReport } from '../engine/diagnose-report.js';
import type { CauseProbe } from '../engine/checks.js';
import type { Finding } from '../probes/types.js';
import type { HostView, Runtime } from './runtime.js';

export interface Diagnosis {
  report: DiagnoseReport;
  findings: Finding[];
  exitCode: number;
  causeProbe: CauseProbe;
  rediagnose: () => Promise<Finding[]>;
}

export async function diagnoseHost(rt: Runtime, host: HostView, o: { timeoutMs: number; offline: boolean }): Promise<Diagnosis> {
  const base = { exec: rt.exec, fs: rt.fs, profile: host.profile, runbooks: rt.catalog.runbooks, timeoutMs: o.timeoutMs, offline: o.offline };
  const { report, exitCode } = await runDiagnose({ ...base, facts: host.facts });
  return {
    report,
    findings: report.findings,
    exitCode,
    causeProbe: createCauseProbe({ exec: rt.exec, fs: rt.fs, profile: host.profile, timeoutMs: o.timeoutMs, offline: o.offline }),
    rediagnose: async () => (await runDiagnose({ ...base, offline: true })).report.findings,
  };
}
