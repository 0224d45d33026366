// npm run bench: every performance figure the issues set a target for, measured on lab hosts
// (namespaces with real Postfix; nothing touches this machine), printed as a table and saved to
// bench/results/latest.json for the README. Speed is measured here, never in timed tests.
import { mkdirSync, writeFileSync } from 'node:fs';
import { benchDiagnose } from './diagnose.js';
import { benchFix } from './fix.js';
import { benchProbe, formatProbeBench } from './probe.js';
import { benchStartup } from './startup.js';

const ms = (n: number): string => `${Math.round(n)} ms`;
const verdict = (ok: boolean): string => (ok ? 'meets target' : 'MISSES target');

async function main(): Promise<void> {
  const startup = await benchStartup();
  const diagnose = await benchDiagnose({ runs: 7 });
  const fix = await benchFix();
  const probe = await benchProbe();
  process.stdout.write(formatProbeBench(probe));
  const [healthy, worst, from] = diagnose;
  const rows = [
    ['CLI start-up: --version vs node -e 0', `${ms(startup.version.medianMs)} vs ${ms(startup.nodeBaseline.medianMs)}`, `${startup.versionRatio.toFixed(2)}× (≤ 1.3×)`, verdict(startup.versionRatio <= 1.3)],
    ['plan on a healthy host', ms(startup.plan.medianMs), '≤ 500 ms', verdict(startup.plan.medianMs <= 500)],
    ['diagnose, healthy: vs the triage guide script', `${ms(healthy?.diagnose.medianMs ?? 0)} vs ${ms(healthy?.script.medianMs ?? 0)}`, `${(healthy?.ratio ?? 0).toFixed(2)}× (≤ 0.8×)`, verdict((healthy?.ratio ?? 9) <= 0.8)],
    ['diagnose, worst case (DROP + dead resolver) vs script', `${ms(worst?.diagnose.medianMs ?? 0)} vs ${ms(worst?.script.medianMs ?? 0)}`, `${(worst?.ratio ?? 0).toFixed(2)}× (≤ --timeout ${ms(worst?.timeoutMs ?? 0)})`, verdict((worst?.diagnose.medianMs ?? 1e9) <= (worst?.timeoutMs ?? 0))],
    ['diagnose --from CLIENT, healthy: vs the script', `${ms(from?.diagnose.medianMs ?? 0)} vs ${ms(from?.script.medianMs ?? 0)}`, `${(from?.ratio ?? 0).toFixed(2)}× (≤ 0.8×)`, verdict((from?.ratio ?? 9) <= 0.8)],
    ['run --yes inet-interfaces fix vs by hand', `${ms(fix.tool.medianMs)} vs ${ms(fix.floor.medianMs)}`, `${fix.ratio.toFixed(2)}× (≤ 1.5×)`, verdict(fix.ratio <= 1.5)],
    ['probe 25/587/465 vs check_smtp/check_ssmtp per port', `${ms(probe.healthy.probe.medianMs)} vs ${ms(probe.healthy.plugins.medianMs)}`, `${probe.healthy.ratio.toFixed(2)}× (≤ 1.0×)`, verdict(probe.healthy.ratio <= 1.0)],
    ['probe 25/587/465, DROP on all three', ms(probe.drop.probe.medianMs), `≤ --timeout ${ms(probe.drop.timeoutMs)}`, verdict(probe.drop.probe.medianMs <= probe.drop.timeoutMs)],
  ];
  const width = [Math.max(...rows.map((r) => (r[0] as string).length)), 24, 26];
  process.stdout.write('\n' + rows.map((r) => [(r[0] as string).padEnd(width[0] as number), (r[1] as string).padEnd(width[1] as number), (r[2] as string).padEnd(width[2] as number), r[3]].join('  ')).join('\n') + '\n\n');
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/latest.json', JSON.stringify({ at: new Date().toISOString(), startup, diagnose, fix, probe }, null, 2) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
