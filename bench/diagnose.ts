// diagnose vs the classic sequential triage (bench/triage-guide.sh), on namespace hosts from the
// e2e lab. Both run inside the same host the same way (nsenter → a process), so the comparison
// is process wall time against process wall time.
//   healthy:    Postfix up on 25 and 587, no firewall, a resolver (a tiny DNS on a peer) that answers
//   worst case: DROP on 25 and 587 (lo included), a resolver whose packets are DROPped
//   healthy, --from: the healthy host judged for one client (the peer's address): the firewall
//              walked with its source, its route, Postfix's access control looked up for it
// All traffic stays between the host and its peer namespace: the "outbound" target is the lab
// domain's MX, which the lab resolver points back at the host itself.
// Entry points: benchDiagnoseHealthy(), benchDiagnoseWorstCase(), benchDiagnose() (both, printed).

import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LabHost, cliBundlePath, link, startDaemon, syncChrootCopies } from '../test/e2e/lab/index.js';
import type { ExecResult } from '../test/e2e/lab/index.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
// Inside the repo (gitignored): lab hosts mount an overlay of / but a private /tmp.
const BUILD_DIR = `${REPO}bench/results/.build`;
const TRIAGE = `${REPO}bench/triage-guide.sh`;
const LAB_DOMAIN = 'lab.test';

export interface Timing {
  runs: number[];
  medianMs: number;
}

export interface BenchComparison {
  scenario: 'healthy' | 'worst-case' | 'healthy-from';
  diagnose: Timing;
  script: Timing;
  /** diagnose median / script median: the target is ≤ 0.8 on a healthy host. */
  ratio: number;
  /** The --timeout diagnose ran under (worst case: its wall time must stay below it). */
  timeoutMs: number;
  /** What diagnose said (top cause and exit code of the last run), to show it judged right. */
  diagnoseSaid: { exitCode: number; topCause: string | null; status: string };
  /** Median of runDiagnose's own durationMs (facts + probes), as it reports it. */
  diagnoseInternalMedianMs: number;
  /** The slowest probes of the last diagnose run: where its time went. */
  slowestProbes: string[];
}

export interface BenchOptions {
  /** Measured runs of each side (one unmeasured warm-up run each comes first). */
  runs?: number;
  timeoutMs?: number;
}

/** Healthy host: diagnose must be ≤ 0.8× the sequential script. */
export async function benchDiagnoseHealthy(options: BenchOptions = {}): Promise<BenchComparison> {
  return withLab('healthy', options, { runs: 7, timeoutMs: 5_000 });
}

/** DROP on 25 and 587 and a resolver that never answers: diagnose must end within --timeout. */
export async function benchDiagnoseWorstCase(options: BenchOptions = {}): Promise<BenchComparison> {
  return withLab('worst-case', options, { runs: 2, timeoutMs: 5_000 });
}

/** Healthy host, `diagnose --from CLIENT`: the same bound as diagnose, ≤ 0.8× the script. */
export async function benchDiagnoseFrom(options: BenchOptions = {}): Promise<BenchComparison> {
  return withLab('healthy-from', options, { runs: 7, timeoutMs: 5_000 });
}

/** Every scenario, printed as a small table; returns the comparisons (healthy, worst case, --from). */
export async function benchDiagnose(options: BenchOptions = {}): Promise<BenchComparison[]> {
  const results = [await benchDiagnoseHealthy(options), await benchDiagnoseWorstCase(options), await benchDiagnoseFrom(options)];
  process.stdout.write(formatDiagnoseBench(results));
  return results;
}

export function formatDiagnoseBench(results: readonly BenchComparison[]): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const lines = ['diagnose vs sequential triage script (median wall time, inside a namespace host)'];
  for (const r of results) {
    const verdict = r.scenario !== 'worst-case' ? (r.ratio <= 0.8 ? 'ok (≤ 0.8×)' : 'TOO SLOW (> 0.8×)') : r.diagnose.medianMs <= r.timeoutMs ? `ok (≤ --timeout ${s(r.timeoutMs)})` : `OVER --timeout ${s(r.timeoutMs)}`;
    lines.push(
      `  ${r.scenario.padEnd(12)}  diagnose ${s(r.diagnose.medianMs).padStart(7)}  script ${s(r.script.medianMs).padStart(7)}  ratio ${r.ratio.toFixed(2)}  ${verdict}`,
      `              diagnose said: ${r.diagnoseSaid.status}, exit ${r.diagnoseSaid.exitCode}, top cause ${r.diagnoseSaid.topCause ?? 'none'}; runs ${r.diagnose.runs.map(s).join(' ')} | script ${r.script.runs.map(s).join(' ')}`,
      `              of diagnose's wall time, probing took ${s(r.diagnoseInternalMedianMs)} (slowest: ${r.slowestProbes.join(', ')}); the rest: node start-up, loading runbooks and profiles, facts`,
    );
  }
  return lines.join('\n') + '\n';
}

async function withLab(scenario: BenchComparison['scenario'], options: BenchOptions, defaults: Required<BenchOptions>): Promise<BenchComparison> {
  const runs = options.runs ?? defaults.runs;
  const timeoutMs = options.timeoutMs ?? defaults.timeoutMs;
  const entry = await bundleEntries();
  const tag = `${process.pid % 10_000}`;
  const mx = await LabHost.create({ name: `bench-mx-${tag}` });
  const dns = await LabHost.create({ name: `bench-dns-${tag}`, postfix: false }).catch(async (e: unknown) => {
    await mx.destroy();
    throw e;
  });
  try {
    const { aAddr: mxAddr, bAddr: dnsAddr } = await link(mx, dns);
    await prepareServer(mx, mxAddr, dnsAddr);
    await startDaemon(dns, [dns.nodeBin, entry.dns, dnsAddr, mxAddr]);
    await waitForDns(mx);
    if (scenario === 'worst-case') await breakEverything(mx, dns);

    // Through the CLI the outbound check dials the default domain's MX: the lab resolver answers
    // every MX with the host's own address, so that too stays inside the lab.
    // The built CLI (`npm run build`), exactly as users run it.
    const diagnoseArgv = [mx.nodeBin, cliBundlePath(), 'diagnose', '--json', '--timeout', String(timeoutMs / 1000), ...(scenario === 'healthy-from' ? ['--from', dnsAddr] : [])];
    const scriptArgv = ['bash', TRIAGE, LAB_DOMAIN];
    const limit = 120_000;
    await mx.exec(diagnoseArgv, { timeoutMs: limit }); // warm-up: page cache, first spawn of each tool
    await mx.exec(scriptArgv, { timeoutMs: limit });
    const d: number[] = [];
    const sc: number[] = [];
    const internalMs: number[] = [];
    let last: ExecResult | null = null;
    const diagnoseOnce = async (): Promise<void> => {
      last = await timed(mx, diagnoseArgv, d, limit);
      internalMs.push((JSON.parse(last.stdout) as { durationMs: number }).durationMs);
    };
    for (let i = 0; i < runs; i++) {
      // Alternate, so neither side always runs on a cache the other just warmed.
      const first = i % 2 === 0;
      if (first) await diagnoseOnce();
      await timed(mx, scriptArgv, sc, limit);
      if (!first) await diagnoseOnce();
    }
    const lastRun = last as ExecResult | null;
    const report = JSON.parse(lastRun?.stdout ?? '{}') as { exitCode?: number; status?: string; topCause?: { cause: string } | null; timings?: { probes?: Array<{ probe: string; durationMs: number }> } };
    const slowestProbes = [...(report.timings?.probes ?? [])].sort((a, b) => b.durationMs - a.durationMs).slice(0, 3).map((p) => `${p.probe} ${p.durationMs} ms`);
    const diagnose = timing(d);
    const script = timing(sc);
    return {
      scenario,
      diagnose,
      script,
      ratio: diagnose.medianMs / script.medianMs,
      timeoutMs,
      diagnoseSaid: { exitCode: lastRun?.code ?? -1, topCause: report.topCause?.cause ?? null, status: report.status ?? 'no report' },
      diagnoseInternalMedianMs: timing(internalMs).medianMs,
      slowestProbes,
    };
  } finally {
    await Promise.all([mx.destroy(), dns.destroy()]);
  }
}

async function timed(host: LabHost, argv: readonly string[], into: number[], timeoutMs: number): Promise<ExecResult> {
  const started = performance.now();
  const r = await host.exec(argv, { timeoutMs });
  into.push(Math.round(performance.now() - started));
  if (r.timedOut) throw new Error(`${argv.join(' ')} timed out in ${host.name}`);
  return r;
}

function timing(runs: number[]): Timing {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { runs, medianMs };
}

/** Submission on 587 too, a default route and a resolver on the peer: a small real mail host. */
async function prepareServer(mx: LabHost, mxAddr: string, dnsAddr: string): Promise<void> {
  await mx.execOk(['postconf', '-M', 'submission/inet=submission inet n - y - - smtpd']);
  await mx.execOk(['postfix', 'reload']);
  await mx.execOk(['ip', 'route', 'add', 'default', 'via', dnsAddr]);
  await mx.writeFile('/etc/resolv.conf', `nameserver ${dnsAddr}\n`);
  // As Debian's postfix start does: the chroot's copy of resolv.conf follows the new one (else
  // the "healthy" host has stale chroot copies, and diagnose rightly says so).
  await syncChrootCopies(mx);
  for (let i = 0; i < 50; i++) {
    const ss = await mx.exec(['ss', '-Hltn', 'sport', '= :587']);
    if (ss.stdout.trim() !== '') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${mx.name}: submission never listened on ${mxAddr}:587`);
}

async function waitForDns(mx: LabHost): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const r = await mx.exec(['dig', '+time=1', '+tries=1', '+short', 'MX', LAB_DOMAIN]);
    if (r.stdout.includes(`mx.${LAB_DOMAIN}`)) return;
    await new Promise((r2) => setTimeout(r2, 100));
  }
  throw new Error('the lab resolver never answered');
}

/** DROP (no answer at all, the slowest failure) on 25 and 587, and on the resolver's port 53. */
async function breakEverything(mx: LabHost, dns: LabHost): Promise<void> {
  await mx.execOk(['iptables-nft', '-A', 'INPUT', '-p', 'tcp', '-m', 'multiport', '--dports', '25,587', '-j', 'DROP']);
  await dns.execOk(['iptables-nft', '-A', 'INPUT', '-p', 'udp', '--dport', '53', '-j', 'DROP']);
  await dns.execOk(['iptables-nft', '-A', 'INPUT', '-p', 'tcp', '--dport', '53', '-j', 'DROP']);
}

/** Bundle the lab resolver (it runs inside a namespace host, where tsx is not needed). */
async function bundleEntries(): Promise<{ dns: string }> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const out = { dns: `${BUILD_DIR}/tiny-dns.mjs` };
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'esm' as const,
    target: 'node18',
    minify: true,
    logLevel: 'warning' as const,
    banner: { js: "import { createRequire as __pfCreateRequire } from 'node:module'; const require = __pfCreateRequire(import.meta.url);" },
    define: { __POSTFIX_FIX_VERSION__: '"bench"' },
  };
  await build({ ...common, entryPoints: [`${REPO}test/unit/probes/helpers/tiny-dns.ts`], outfile: out.dns });
  return out;
}
