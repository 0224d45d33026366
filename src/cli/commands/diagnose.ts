import { writeFileAtomic } from '../../exec/host-fs.js';
import { UserError, isUserError } from '../../core/errors.js';
import { choiceOpt, flag, parseCommandArgs, secondsOpt, stringOpt } from '../args.js';
import { openHostAccess } from '../host-access.js';
import { clientQuery } from '../client-args.js';
import { gatherShare, timeScaleFor } from '../../probes/warmup.js';

const FORMATS = ['text', 'markdown', 'json', 'nagios', 'prometheus'] as const;
type MonitoringFormat = 'nagios' | 'prometheus';

export async function run(argv: string[]): Promise<number> {
  const started = Date.now() - Math.round(process.uptime() * 1000);
  // A monitoring system reads whatever this prints, also when diagnose cannot run at all (a
  // mistyped flag in the check command, an invalid runbook): it gets its own format then, read
  // from the raw arguments because parsing them may be what failed.
  const monitoring = monitoringFormat(argv);
  if (!monitoring) return diagnose(argv);
  try {
    return await diagnose(argv);
  } catch (e) {
    return couldNotRun(monitoring, e, argv, started);
  }
}

async function diagnose(argv: string[]): Promise<number> {
  const a = parseCommandArgs('diagnose', argv);
  const format = flag(a, 'json') ? 'json' : choiceOpt(a, 'format', FORMATS, 'text');
  const out = stringOpt(a, 'out');
  if (out !== undefined && format === 'nagios') throw new UserError('--out: a Nagios check answers on stdout', { expected: '--out with --format prometheus (or text, markdown, json)' });
  const timeoutMs = secondsOpt(a, 'timeout', 5) * 1000;
  // Before anything runs: a bad --from or --port is a usage error with nothing started.
  const client = await clientQuery(a);
  // `postfix check`, when it must run, is the slowest check (~0.2 s) and decides diagnose's wall
  // time: it starts here, and runs while the rest of diagnose (catalog, schemas, facts, reports:
  // most of the code) is loaded below. test/unit/cli/load-order.test.ts keeps this file light.
  const access = openHostAccess(a, { warmDiagnoseMs: timeoutMs });
  await access.warm?.decided; // a few stat calls, so it is under way before the loading starts
  const [{ createRuntime, viewHost }, { diagnoseFlags, diagnoseHost }, { renderDiagnose }] = await Promise.all([import('../runtime.js'), import('../diagnosis.js'), import('../../report/diagnose-render.js')]);
  const rt = createRuntime(a, { access, client });
  // Facts take a share of the one deadline; the probes get the rest.
  const host = await viewHost(rt, gatherShare(timeoutMs), timeScaleFor(timeoutMs));
  const d = await diagnoseHost(rt, host, diagnoseFlags(a, timeoutMs));
  const now = Date.now();
  const shown = await renderDiagnose(d.report, { format, fs: rt.fs, configDir: host.facts.postfix.configDir, noColor: flag(a, 'no-color'), checkDurationMs: now - rt.startedAt, nowMs: now });
  // Atomic: node_exporter's textfile collector (or whoever reads FILE) sees the old file or the
  // new one, never half of it; the temp file's name does not end in .prom, so it is never read.
  if (out !== undefined) await writeOut(out, shown.text);
  else process.stdout.write(shown.text);
  return shown.exitCode;
}

async function writeOut(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (e) {
    throw new UserError(`--out ${file}: cannot write it: ${(e as Error).message}`, { expected: 'a file in an existing directory this user may write to' });
  }
}

/**
 * Nagios: UNKNOWN (3) on stdout, the monitoring-plugins answer for "no verdict", and nothing on
 * stderr (some monitoring systems fold it into the output, ahead of the status line). Prometheus:
 * the usual message and exit code, and metrics with postfix_fix_up 0 where the metrics go, so an
 * alert fires instead of the old file quietly going stale.
 */
async function couldNotRun(format: MonitoringFormat, e: unknown, argv: string[], started: number): Promise<number> {
  const debug = argv.includes('--debug');
  const checkDurationMs = Date.now() - started;
  if (format === 'nagios') {
    if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    const message = isUserError(e) ? e.format() : `internal error: ${e instanceof Error ? e.message : String(e)}\nThis is a bug in postfix-fix: run the check again with --debug and report the stack trace.`;
    let text: string;
    try {
      text = (await import('../../report/diagnose-nagios.js')).renderNagiosFailure(message, { checkDurationMs }).text;
    } catch {
      text = `POSTFIX-FIX UNKNOWN - diagnose could not run: ${message.split('\n')[0]?.replace(/\|/g, '/') ?? ''}\n`;
    }
    process.stdout.write(text);
    return 3;
  }
  const { reportError } = await import('../errors.js');
  const code = reportError(e, debug);
  const text = (await import('../../report/diagnose-prometheus.js')).renderPrometheusFailure({ nowMs: Date.now(), checkDurationMs });
  const out = rawOption(argv, 'out');
  if (out === undefined) process.stdout.write(text);
  else await writeFileAtomic(out, text).catch((w: unknown) => process.stderr.write(`postfix-fix: could not write ${out}: ${(w as Error).message}\n`));
  return code;
}

function monitoringFormat(argv: readonly string[]): MonitoringFormat | null {
  if (argv.includes('--json')) return null;
  const f = rawOption(argv, 'format');
  return f === 'nagios' || f === 'prometheus' ? f : null;
}

/** `--name VALUE` or `--name=VALUE` from arguments that may not parse; the last one wins. */
function rawOption(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') break;
    if (arg === `--${name}` && i + 1 < argv.length) value = argv[++i];
    else if (arg.startsWith(`--${name}=`)) value = arg.slice(name.length + 3);
  }
  return value;
}
