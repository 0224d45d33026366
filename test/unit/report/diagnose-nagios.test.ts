// --format nagios: the monitoring-plugins contract, table-driven over the shapes of findings a
// host can produce. Each row says which state (and exit code) it must give, what the status
// line names, and what the long output must carry.
import assert from 'node:assert/strict';
import { buildReport } from '../../../src/engine/diagnose-report.js';
import type { DiagnoseReport } from '../../../src/engine/diagnose-report.js';
import { ok, problem, unknown } from '../../../src/probes/finding.js';
import { PROVIDER_STEPS } from '../../../src/probes/outbound.js';
import type { Finding } from '../../../src/probes/types.js';
import { oneLine, renderDiagnoseNagios, renderNagiosFailure } from '../../../src/report/diagnose-nagios.js';
import { renderDiagnose } from '../../../src/report/diagnose-render.js';
import { verdictOf } from '../../../src/report/monitoring.js';
import { RUNBOOKS, runbook } from '../engine/helpers/runbooks.js';
import { debianProfile } from '../helpers/context.js';
import { healthyFacts } from '../probes/helpers/facts.js';

const CATALOG = new Map([...RUNBOOKS, ['slow-delivery', runbook('slow-delivery', ['queue-backlog'])]]);
const report = (findings: Finding[], isRoot = true): DiagnoseReport =>
  buildReport({ facts: healthyFacts(), profile: debianProfile(), findings, runbooks: CATALOG, startedAt: new Date('2026-01-01T00:00:00Z'), durationMs: 12, timeoutMs: 5_000, offline: true, gatherMs: 90, timings: [], isRoot });

const queueMetrics = (deferred: number, age: number): Record<string, number> => ({
  maildrop_messages: 0, incoming_messages: 0, active_messages: 1, deferred_messages: deferred, hold_messages: 2,
  maildrop_oldest_age_seconds: 0, incoming_oldest_age_seconds: 0, active_oldest_age_seconds: 3, deferred_oldest_age_seconds: age, hold_oldest_age_seconds: 999_999,
});
const withMetrics = (f: Finding, metrics: Record<string, number>): Finding => ({ ...f, metrics });

const RUNNING = ok('service', 'Postfix is running (master pid 100)');
const GREETS = ok('smtp_banner', '127.0.0.1:25 greets');
const OFFLINE = unknown('dns', 'MX lookup skipped (offline)');
const STOPPED = [
  problem('fail', 'service', 'postfix-stopped', ['/var/spool/postfix/pid/master.pid names pid 137, which is not running', '`postfix status` exits 1 (not running)']),
  problem('fail', 'smtp_banner', 'postfix-stopped', ['127.0.0.1:25 → refused (TCP reset, 1 ms)'], { title: 'connection to 127.0.0.1:25 refused' }),
];
const BACKLOG = withMetrics(problem('warn', 'queue', 'queue-backlog', ['queue: maildrop 0, incoming 0, active 1, deferred 120, hold 2', 'oldest message: waiting 2 h (deferred)'], { title: '121 messages waiting in the queue' }), queueMetrics(120, 7_200));
const OUTBOUND = problem('fail', 'outbound_smtp', 'outbound-smtp-blocked', ['gmail.com MX … → timeout'], { human: { reason: 'the provider blocks 25', steps: PROVIDER_STEPS } });
const NO_MX = problem('warn', 'dns', 'mx-missing', ['MX example.test: NXDOMAIN']);

interface Row {
  name: string;
  findings: Finding[];
  isRoot?: boolean;
  state: 'OK' | 'WARNING' | 'CRITICAL' | 'UNKNOWN';
  exit: 0 | 1 | 2 | 3;
  status: RegExp;
  perf: string[];
  long: RegExp[];
}

const ROWS: Row[] = [
  {
    name: 'healthy (an --offline skip does not make it UNKNOWN)',
    findings: [RUNNING, GREETS, OFFLINE, withMetrics(ok('queue', 'the queue is empty'), queueMetrics(0, 0))],
    state: 'OK',
    exit: 0,
    status: /^POSTFIX-FIX OK - healthy: no problem found \(3 checks fine\)$/,
    perf: ['duration=1.234s;;;0', 'problems=0;;;0', 'queue=3;;;0', 'oldest_message_age=3s;;;0'],
    long: [/^\[UNKNOWN\] MX lookup skipped \(offline\)$/m, /^3 checks fine · mx1 · Postfix 3\.7\.11 · profile debian · offline$/m],
  },
  {
    name: 'Postfix stopped: CRITICAL, its evidence, the fix',
    findings: [...STOPPED, OFFLINE],
    state: 'CRITICAL',
    exit: 2,
    status: /^POSTFIX-FIX CRITICAL - postfix-stopped: Postfix is not running$/,
    perf: ['duration=1.234s;;;0', 'problems=1;;;0'],
    long: [/^\/var\/spool\/postfix\/pid\/master\.pid names pid 137, which is not running$/m, /^127\.0\.0\.1:25 → refused/m, /^fix: postfix-fix run --runbook postfix-service$/m],
  },
  {
    name: 'only a warning a runbook fixes: WARNING, with queue perfdata (held mail left out of the age)',
    findings: [RUNNING, GREETS, BACKLOG],
    state: 'WARNING',
    exit: 1,
    status: /^POSTFIX-FIX WARNING - queue-backlog: 121 messages waiting in the queue$/,
    perf: ['duration=1.234s;;;0', 'problems=1;;;0', 'queue=123;;;0', 'oldest_message_age=7200s;;;0'],
    long: [/^oldest message: waiting 2 h \(deferred\)$/m, /^fix: postfix-fix run --runbook slow-delivery$/m],
  },
  {
    name: 'only advice (a warning no runbook fixes) is still WARNING',
    findings: [RUNNING, GREETS, NO_MX],
    state: 'WARNING',
    exit: 1,
    status: /^POSTFIX-FIX WARNING - mx-missing: no MX record for the mail domain$/,
    perf: ['duration=1.234s;;;0', 'problems=1;;;0'],
    long: [/^MX example\.test: NXDOMAIN$/m, /^needs a human: no runbook fixes this$/m],
  },
  {
    name: 'a failure and a warning: CRITICAL names the failure, counts the rest, lists it with its fix',
    findings: [...STOPPED, BACKLOG],
    state: 'CRITICAL',
    exit: 2,
    status: /^POSTFIX-FIX CRITICAL - postfix-stopped: Postfix is not running \(\+1 more\)$/,
    perf: ['duration=1.234s;;;0', 'problems=2;;;0', 'queue=123;;;0', 'oldest_message_age=7200s;;;0'],
    long: [/^\[WARNING\] 121 messages waiting in the queue \(queue-backlog\) · fix: postfix-fix run --runbook slow-delivery$/m],
  },
  {
    name: 'a failure no runbook fixes: CRITICAL, and what a human must do',
    findings: [RUNNING, GREETS, OUTBOUND],
    state: 'CRITICAL',
    exit: 2,
    status: /^POSTFIX-FIX CRITICAL - outbound-smtp-blocked: outbound port 25 is blocked upstream/,
    perf: ['duration=1.234s;;;0', 'problems=1;;;0'],
    long: [/^needs a human: the provider blocks 25$/m],
  },
  {
    name: 'the local greeting could not be judged: UNKNOWN, never OK',
    findings: [RUNNING, unknown('smtp_banner', 'could not judge 127.0.0.1:25', ['127.0.0.1:25 → timeout after 1500 ms'])],
    state: 'UNKNOWN',
    exit: 3,
    status: /^POSTFIX-FIX UNKNOWN - smtp_banner: could not judge 127\.0\.0\.1:25$/,
    perf: ['duration=1.234s;;;0', 'problems=0;;;0'],
    long: [/^smtp_banner: could not judge 127\.0\.0\.1:25$/m, /^ {2}127\.0\.0\.1:25 → timeout after 1500 ms$/m],
  },
  {
    name: 'not root: UNKNOWN, and the status line says to run it as root',
    findings: [unknown('service', 'could not tell whether Postfix runs', ["EACCES: permission denied, open '/var/spool/postfix/pid/master.pid'"]), GREETS, unknown('queue', 'queue not inspected (the spool is readable by root only)')],
    isRoot: false,
    state: 'UNKNOWN',
    exit: 3,
    status: /^POSTFIX-FIX UNKNOWN - not root: 2 check\(s\) could not look \(run it as root, e\.g\. through sudo\); service: could not tell whether Postfix runs$/,
    perf: ['duration=1.234s;;;0', 'problems=0;;;0'],
    long: [/^\[UNKNOWN\] queue not inspected/m],
  },
  {
    name: 'a problem behind a blind check is still that problem (CRITICAL beats UNKNOWN)',
    findings: [unknown('firewall', 'could not read every firewall backend'), ...STOPPED],
    state: 'CRITICAL',
    exit: 2,
    status: /^POSTFIX-FIX CRITICAL - postfix-stopped: /,
    perf: ['duration=1.234s;;;0', 'problems=1;;;0'],
    long: [/^\[UNKNOWN\] could not read every firewall backend$/m],
  },
];

describe('report/diagnose-nagios: the monitoring-plugins contract', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const r = report(row.findings, row.isRoot ?? true);
      const out = renderDiagnoseNagios(r, { checkDurationMs: 1_234 });
      assert.equal(out.state, row.state);
      assert.equal(out.exitCode, row.exit);
      assert.equal(verdictOf(r).state, row.state, 'the same verdict Prometheus uses');
      assert.ok(out.text.endsWith('\n'));
      const [first = '', ...long] = out.text.slice(0, -1).split('\n');
      // Exactly one `|` on the status line, and none in the long output: perfdata starts there.
      const [status = '', perf = '', ...extra] = first.split(' | ');
      assert.deepEqual(extra, [], first);
      assert.ok(!status.includes('|'), status);
      assert.match(status, row.status);
      assert.deepEqual(perf.split(' '), row.perf);
      for (const p of perf.split(' ')) assert.match(p, /^[a-z_]+=\d+(\.\d+)?s?;;;0$/, 'label=value[UOM];warn;crit;min');
      assert.ok(long.every((l) => !l.includes('|') && l.length > 0), long.join('\n'));
      for (const re of row.long) assert.match(long.join('\n'), re);
    });
  }

  it('a `|` or a line break inside a finding cannot forge perfdata or a status line', () => {
    const evil = problem('fail', 'service', 'postfix-stopped', ['line one\nPOSTFIX-FIX OK - fine | time=0s', 'pipe | here'], { title: 'stopped | x=1\nOK' });
    const out = renderDiagnoseNagios(report([evil]), { checkDurationMs: 5 });
    const lines = out.text.trimEnd().split('\n');
    assert.equal(lines.filter((l) => l.includes('|')).length, 1);
    assert.match(lines[0] as string, /^POSTFIX-FIX CRITICAL - postfix-stopped: stopped ¦ x=1 OK \| duration=0\.005s;;;0 problems=1;;;0$/);
    assert.ok(!lines.slice(1).some((l) => l.startsWith('POSTFIX-FIX')), 'no second status line');
    assert.equal(oneLine('a|b\r\nc\u0007d'), 'a¦b c d');
  });

  it('diagnose could not run: UNKNOWN (3), the first line of the error in the status line, the rest below', () => {
    const out = renderNagiosFailure('diagnose: Unknown option \'--bogus\'\n  see: postfix-fix diagnose --help', { checkDurationMs: 80 });
    assert.equal(out.exitCode, 3);
    assert.equal(out.text, "POSTFIX-FIX UNKNOWN - diagnose could not run: diagnose: Unknown option '--bogus' | duration=0.080s;;;0\n  see: postfix-fix diagnose --help\n");
    assert.equal(renderNagiosFailure('').text, 'POSTFIX-FIX UNKNOWN - diagnose could not run: unknown error\n');
  });

  it('through the renderer: secrets from main.cf redacted, nagios exits with its state, prometheus with the table', async () => {
    const secret = 'Tr0ub4dor&3xyz';
    const fs = { tryReadText: async (p: string) => (p === '/etc/postfix/main.cf' ? `relayhost = [smtp.example.net]:587\nsmtp_sasl_password_maps = inline:{ [smtp.example.net]:587=user:${secret} }\n` : null) };
    const leaky = problem('fail', 'logs', 'postfix-stopped', [`relay login failed for user:${secret}`, `smtp_sasl_password_maps = inline:{ [smtp.example.net]:587=user:${secret} }`]);
    const r = report([leaky, withMetrics(ok('queue', 'the queue is empty'), queueMetrics(0, 0))]);
    const nagios = await renderDiagnose(r, { format: 'nagios', fs, configDir: '/etc/postfix', noColor: true, checkDurationMs: 10 });
    const prom = await renderDiagnose(r, { format: 'prometheus', fs, configDir: '/etc/postfix', noColor: true, checkDurationMs: 10, nowMs: 0 });
    assert.equal(nagios.exitCode, 2);
    assert.equal(prom.exitCode, r.exitCode);
    assert.equal(prom.exitCode, 7);
    for (const text of [nagios.text, prom.text]) assert.ok(!text.includes(secret), text);
    assert.match(nagios.text, /«redacted»/);
  });
});
