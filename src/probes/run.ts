// Run probes concurrently: each under its own timeout, all under the overall deadline. A probe
// that throws or runs out of time yields an `unknown` finding that says so — diagnose never
// hangs on one check and never loses the others' answers.

import { DeadlineExceeded, remainingMs, withTimeout } from '../core/deadline.js';
import { unknown } from './finding.js';
import type { Finding, Probe, ProbeContext } from './types.js';

export interface ProbeTiming {
  probe: string;
  durationMs: number;
  outcome: 'done' | 'timeout' | 'error';
}

export interface ProbeRun {
  findings: Finding[];
  timings: ProbeTiming[];
}

/** Kept back from the overall deadline so a late probe's `unknown` still makes the report. */
const REPORT_MARGIN_MS = 40;

export async function runProbes(probes: readonly Probe[], base: Omit<ProbeContext, 'deadline'>, deadline: number): Promise<ProbeRun> {
  const results = await Promise.all(probes.map((p) => runOne(p, base, deadline)));
  return { findings: results.flatMap((r) => r.findings), timings: results.map((r) => r.timing) };
}

async function runOne(probe: Probe, base: Omit<ProbeContext, 'deadline'>, overall: number): Promise<{ findings: Finding[]; timing: ProbeTiming }> {
  const started = Date.now();
  const ownLimitMs = probe.timeoutMs * (base.timeScale ?? 1);
  const probeDeadline = Math.min(started + ownLimitMs, overall - REPORT_MARGIN_MS);
  const budget = remainingMs(probeDeadline, started);
  const timing = (outcome: ProbeTiming['outcome']): ProbeTiming => ({ probe: probe.name, durationMs: Date.now() - started, outcome });
  try {
    const findings = await withTimeout(
      Promise.resolve().then(() => probe.run({ ...base, deadline: probeDeadline })),
      budget,
      `${probe.name} (${probe.description})`,
    );
    return { findings, timing: timing('done') };
  } catch (e) {
    if (e instanceof DeadlineExceeded) {
      const why = budget < ownLimitMs ? `the overall --timeout left it ${budget} ms` : `its own limit is ${ownLimitMs} ms`;
      return { findings: [unknown(probe.name, `${probe.description}: no answer in time`, [`gave up after ${Date.now() - started} ms (${why})`])], timing: timing('timeout') };
    }
    const msg = e instanceof Error ? e.message : String(e);
    return { findings: [unknown(probe.name, `${probe.description}: the check failed`, [msg])], timing: timing('error') };
  }
}
