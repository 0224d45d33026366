// `postfix-fix probe` of three ports (25, 587, 465) from a client host, beside monitoring-plugins
// run once per port — as a monitoring system checks them — on lab hosts (real Postfix with a
// certificate, submission and submissions enabled):
//   healthy:  probe (banner, STARTTLS or TLS first, the certificate: names, trust, expiry) vs the
//             same checks from monitoring-plugins: check_smtp -S -D for 25 and 587 (STARTTLS and
//             the certificate's expiry), check_ssmtp -D for 465 (TLS first). Target ≤ 1.0×.
//             check_smtp without TLS (a banner only, less than probe does) is shown beside it.
//             Both sides wait ~40 ms for the greeting inside TLS on 465 (check_ssmtp -D reads it
//             too): smtpd writes it just after the session ticket, and Nagle holds it until the
//             client's delayed ACK of the ticket (strace on both ends). The rest of the gap is CPU.
//             bench/node-floor.cjs is the floor: the least any Node program can do for the same
//             checks (the handshakes and the 465 greeting, no verification, no report).
//   DROP:     a DROP rule on all three ports; probe must end within its --timeout.
// Both sides run inside the client host the same way (one nsenter → one process tree), interleaved.
// Run alone: node --import tsx bench/probe.ts

import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { LabHost, cliBundlePath, enableSubmission, link, makeCertificate, useCertificate } from '../test/e2e/lab/index.js';
import type { ExecResult } from '../test/e2e/lab/index.js';
import { median, timeInterleaved, timeRuns } from './timing.js';
import type { Timing } from './timing.js';

const PLUGINS = '/usr/lib/nagios/plugins';
const NODE_FLOOR = fileURLToPath(new URL('node-floor.cjs', import.meta.url));
const PORTS = [25, 587, 465] as const;

export interface ProbeBench {
  healthy: {
    probe: Timing;
    /** check_smtp -S -D (25, 587) and check_ssmtp -D (465): what probe checks, once per port. */
    plugins: Timing;
    ratio: number;
    /** check_smtp for 25 and 587 without TLS, check_ssmtp for 465: a banner and no more. */
    pluginsBannerOnly: Timing;
    ratioBannerOnly: number;
    probeSaid: string;
    /** CPU time (user + system, ms, medians) of one probe and of the three plugin runs: what a busy machine's wall time follows. */
    cpu: { probe: number; plugins: number };
    /** bench/node-floor.cjs: the least any Node program can do for what the plugins check, and `node -e 0`. */
    nodeFloor: Timing;
    nodeStart: Timing;
    floorRatio: number;
  };
  drop: { probe: Timing; timeoutMs: number; probeSaid: string; pluginsMs: number; pluginTimeoutS: number };
  /** The machine's 1-minute load average before and after: a Node start costs several times a C plugin's CPU, so a busy machine widens the gap. */
  load: [number, number];
}

export async function benchProbe(runs = 15): Promise<ProbeBench> {
  const tag = `${process.pid % 10_000}`;
  const loadBefore = loadavg()[0] as number;
  const [mx, client] = await Promise.all([LabHost.create({ name: `bench-pmx-${tag}` }), LabHost.create({ name: `bench-pcl-${tag}`, postfix: false })]);
  try {
    const { aAddr: addr } = await link(mx, client);
    await useCertificate(mx, await makeCertificate(mx));
    await enableSubmission(mx);
    const probeArgv = (timeoutS: number): string[] => [client.nodeBin, cliBundlePath(), 'probe', addr, '--port', PORTS.join(','), '--timeout', String(timeoutS), '--json'];
    const pluginScript = (tls: boolean, timeoutS: number): string[] => [
      'sh',
      '-c',
      // Once per port, one after the other, as a monitoring system runs its checks; any failure fails the run.
      [
        `${PLUGINS}/check_smtp -H "$1" -p 25 -t ${timeoutS}${tls ? ' -S -D 30' : ''}`,
        `${PLUGINS}/check_smtp -H "$1" -p 587 -t ${timeoutS}${tls ? ' -S -D 30' : ''}`,
        `${PLUGINS}/check_ssmtp -H "$1" -p 465 -t ${timeoutS}${tls ? ' -D 30' : ''}`,
      ].join(' && '),
      'sh',
      addr,
    ];
    let said = '';
    const run = (argv: string[], expect: number[], onDone?: (r: ExecResult) => void) => async (): Promise<void> => {
      const r = await client.exec(argv, { timeoutMs: 60_000 });
      if (!expect.includes(r.code as number)) throw new Error(`${argv.slice(0, 4).join(' ')} exited ${r.code}: ${r.stdout.slice(-300)}${r.stderr.slice(-300)}`);
      onDone?.(r);
    };
    const summary = (r: ExecResult): void => {
      said = (JSON.parse(r.stdout) as { summary: string }).summary;
    };
    const [probe, plugins] = await timeInterleaved(runs, run(probeArgv(10), [0], summary), run(pluginScript(true, 10), [0]));
    const healthySaid = said;
    const [probe2, bannerOnly] = await timeInterleaved(runs, run(probeArgv(10), [0]), run(pluginScript(false, 10), [0]));
    const probeAll: Timing = { runs: [...probe.runs, ...probe2.runs], medianMs: median([...probe.runs, ...probe2.runs]) };
    const [nodeFloor, plugins2] = await timeInterleaved(runs, run([client.nodeBin, NODE_FLOOR, addr], [0]), run(pluginScript(true, 10), [0]));
    const nodeStart = await timeRuns(runs, run([client.nodeBin, '-e', '0'], [0]));
    // bash's `time` reads getrusage for the command and everything it waited for.
    const cpuOf = async (argv: string[]): Promise<number> => {
      const r = await client.exec(['bash', '-c', 'TIMEFORMAT="%3U %3S"; time "$@" >/dev/null 2>&1', 'bash', ...argv], { timeoutMs: 60_000 });
      const [u, sys] = r.stderr.trim().split('\n').at(-1)?.split(' ').map(Number) ?? [NaN, NaN];
      return Math.round(((u ?? NaN) + (sys ?? NaN)) * 1000);
    };
    const cpuProbe: number[] = [];
    const cpuPlugins: number[] = [];
    for (let i = 0; i < 9; i++) {
      cpuProbe.push(await cpuOf(probeArgv(10)));
      cpuPlugins.push(await cpuOf(pluginScript(true, 10)));
    }

    await mx.execOk(['iptables-nft', '-A', 'INPUT', '-p', 'tcp', '-m', 'multiport', '--dports', PORTS.join(','), '-j', 'DROP']);
    const timeoutS = 3;
    const dropRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await run(probeArgv(timeoutS), [4], summary)();
      dropRuns.push(Math.round(performance.now() - t));
    }
    const t = performance.now();
    const plug = await client.exec(pluginScript(false, timeoutS).map((a) => a.replace(/ && /g, '; ')), { timeoutMs: 60_000 });
    const pluginsMs = Math.round(performance.now() - t);
    if (plug.code === 0) throw new Error('check_smtp said OK through a DROP');
    return {
      healthy: {
        probe: probeAll,
        plugins,
        ratio: probe.medianMs / plugins.medianMs,
        pluginsBannerOnly: bannerOnly,
        ratioBannerOnly: probe2.medianMs / bannerOnly.medianMs,
        probeSaid: healthySaid,
        cpu: { probe: median(cpuProbe), plugins: median(cpuPlugins) },
        nodeFloor,
        nodeStart,
        floorRatio: nodeFloor.medianMs / plugins2.medianMs,
      },
      drop: { probe: { runs: dropRuns, medianMs: median(dropRuns) }, timeoutMs: timeoutS * 1000, probeSaid: said, pluginsMs, pluginTimeoutS: timeoutS },
      load: [loadBefore, loadavg()[0] as number],
    };
  } finally {
    await Promise.all([mx.destroy(), client.destroy()]);
  }
}

export function formatProbeBench(b: ProbeBench): string {
  const ms = (n: number): string => `${Math.round(n)} ms`;
  return [
    `probe of 25, 587, 465 vs monitoring-plugins once per port (median wall time, from a client host; load average ${b.load.map((l) => l.toFixed(1)).join(' → ')} on ${cpus().length} CPUs)`,
    `  healthy   probe ${ms(b.healthy.probe.medianMs)}  check_smtp -S -D ×2 + check_ssmtp -D ${ms(b.healthy.plugins.medianMs)}  ratio ${b.healthy.ratio.toFixed(2)} (≤ 1.0×)`,
    `            banner-only plugins ${ms(b.healthy.pluginsBannerOnly.medianMs)} (ratio ${b.healthy.ratioBannerOnly.toFixed(2)}); probe said: ${b.healthy.probeSaid}`,
    `            CPU time: probe ${ms(b.healthy.cpu.probe)}, the three plugins ${ms(b.healthy.cpu.plugins)}`,
    `            the floor for any Node program (bench/node-floor.cjs: the same handshakes and 465 greeting, no verification, no report) ${ms(b.healthy.nodeFloor.medianMs)}, ratio ${b.healthy.floorRatio.toFixed(2)}; node -e 0 ${ms(b.healthy.nodeStart.medianMs)}`,
    `  DROP      probe ${ms(b.drop.probe.medianMs)} (runs ${b.drop.probe.runs.map(ms).join(' ')}) within --timeout ${ms(b.drop.timeoutMs)}; the three plugins with -t ${b.drop.pluginTimeoutS}: ${ms(b.drop.pluginsMs)}`,
    `            probe said: ${b.drop.probeSaid}`,
  ].join('\n') + '\n';
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchProbe()
    .then((b) => process.stdout.write(formatProbeBench(b) + JSON.stringify(b) + '\n'))
    .catch((e: unknown) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    });
}
