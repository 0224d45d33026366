// diagnose for monitoring systems, on real lab faults: `--format nagios` (the monitoring-plugins
// contract: state and exit code) beside the real `check_smtp` from monitoring-plugins, run from a
// peer host (a monitoring station) and on the server itself (what an NRPE-local check_smtp
// would see); and `--format prometheus --out` judged by `promtool check metrics` and read by a
// real node_exporter's textfile collector inside the server.
//
// Where check_smtp and diagnose differ, each row asserts what each one sees: check_smtp only
// asks "does a banner come back from here?", diagnose asks why clients are or would be refused.
import assert from 'node:assert/strict';
import { LabHost, cliBundlePath, injectIptablesBlock25, injectPostfixStopped, injectQueueBacklog, link, pollUntil, runCli, startDaemon } from '../lab/index.js';
import type { Host } from '../lab/index.js';

const CHECK_SMTP = '/usr/lib/nagios/plugins/check_smtp';
const TEXTFILE_DIR = '/var/lib/prometheus/node-exporter';
const PROM = `${TEXTFILE_DIR}/postfix_fix.prom`;
const STATES = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;
type State = (typeof STATES)[number];

interface NagiosRun {
  code: number;
  state: State;
  /** What the status line names before the colon: a cause id, `healthy`, `not root`, … */
  label: string;
  status: string;
  perf: Record<string, string>;
  long: string[];
  stderr: string;
}

function parseNagios(stdout: string, code: number, stderr: string): NagiosRun {
  const [first = '', ...long] = stdout.replace(/\n$/, '').split('\n');
  const m = /^POSTFIX-FIX (OK|WARNING|CRITICAL|UNKNOWN) - ([^:]+): (.*?)(?: \| (.*))?$/.exec(first);
  assert.ok(m, `a status line: ${JSON.stringify(first)}`);
  const perf: Record<string, string> = {};
  for (const p of (m[4] ?? '').split(' ').filter(Boolean)) {
    const [k = '', v = ''] = p.split('=');
    perf[k] = v;
  }
  return { code, state: m[1] as State, label: m[2] as string, status: first, perf, long, stderr };
}

async function nagios(host: Host, extra: string[] = []): Promise<NagiosRun> {
  const r = await runCli(host, ['diagnose', '--format', 'nagios', '--offline', ...extra]);
  return parseNagios(r.stdout, r.code, r.stderr);
}

/** The real check_smtp (monitoring-plugins), from `from`: its state is its exit code. */
async function checkSmtp(from: Host, addr: string): Promise<{ state: State; output: string }> {
  const r = await from.exec([CHECK_SMTP, '-H', addr, '-p', '25', '-t', '10'], { timeoutMs: 30_000 });
  const state = STATES[r.code as number];
  assert.ok(state, `check_smtp exit ${r.code}: ${r.stdout}${r.stderr}`);
  return { state, output: r.stdout.trim() };
}

interface PromRun {
  code: number;
  text: string;
  samples: Map<string, number>;
  promtool: { code: number; output: string };
  dir: string[];
  stderr: string;
}

/** diagnose --format prometheus --out into the textfile directory, read back and linted. */
async function prometheus(host: Host, extra: string[] = []): Promise<PromRun> {
  await host.execOk(['mkdir', '-p', TEXTFILE_DIR]);
  const r = await runCli(host, ['diagnose', '--format', 'prometheus', '--out', PROM, '--offline', ...extra]);
  assert.equal(r.stdout, '', 'with --out nothing goes to stdout');
  const text = await host.readFile(PROM);
  const lint = await host.exec(['sh', '-c', 'promtool check metrics < "$1" 2>&1', 'sh', PROM]);
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) if (line && !line.startsWith('#')) samples.set(line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1)));
  const dir = (await host.execOk(['ls', '-A', TEXTFILE_DIR])).stdout.split('\n').filter(Boolean);
  return { code: r.code, text, samples, promtool: { code: lint.code as number, output: lint.stdout.trim() }, dir, stderr: r.stderr };
}

function assertPromValid(p: PromRun): void {
  assert.deepEqual(p.promtool, { code: 0, output: '' }, 'promtool check metrics: no problem');
  assert.deepEqual(p.dir, ['postfix_fix.prom'], 'no temp file left beside it');
  assert.ok(p.text.endsWith('\n'));
}

describe('e2e: diagnose for monitoring (Nagios, Prometheus), beside check_smtp', function () {
  this.timeout(180_000);
  // The monitoring station: check_smtp runs here, from outside, over a veth pair.
  let nms: Host;
  const servers: Host[] = [];

  async function server(name: string): Promise<{ host: Host; addr: string }> {
    const host = await LabHost.create({ name });
    servers.push(host);
    const { aAddr } = await link(host, nms);
    return { host, addr: aAddr };
  }

  before(async () => {
    nms = await LabHost.create({ name: 'mon-nms', postfix: false });
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.destroy()));
    await nms?.destroy();
  });

  it('healthy: OK (0) beside check_smtp OK from outside and inside; the metrics file passes promtool', async () => {
    const { host, addr } = await server('mon-ok');
    const ours = await nagios(host);
    assert.equal(ours.code, 0, ours.status);
    assert.equal(ours.state, 'OK');
    assert.equal(ours.label, 'healthy');
    assert.match(ours.status, /^POSTFIX-FIX OK - healthy: no problem found \(\d+ checks fine\) \| duration=\d+\.\d{3}s;;;0 problems=0;;;0 queue=0;;;0 oldest_message_age=0s;;;0$/);
    assert.ok(ours.long.includes('[UNKNOWN] MX lookup skipped (offline)'), 'an --offline skip is listed, and does not make it UNKNOWN');
    assert.equal(ours.stderr, '');
    assert.equal((await checkSmtp(nms, addr)).state, 'OK');
    assert.equal((await checkSmtp(host, '127.0.0.1')).state, 'OK');

    const p = await prometheus(host);
    assert.equal(p.code, 0, p.stderr);
    assertPromValid(p);
    assert.equal(p.samples.get('postfix_fix_up'), 1);
    assert.equal(p.samples.get('postfix_fix_healthy'), 1);
    assert.equal(p.samples.get('postfix_fix_cause{cause="postfix-stopped",status="fail"}'), 0);
    assert.equal(p.samples.get('postfix_fix_queue_messages{queue="deferred"}'), 0);
    assert.equal(p.samples.get('postfix_fix_queue_oldest_message_age_seconds{queue="deferred"}'), 0);
    const ts = p.samples.get('postfix_fix_last_check_timestamp_seconds') as number;
    assert.ok(Math.abs(ts - Date.now() / 1000) < 60, String(ts));
    assert.ok((p.samples.get('postfix_fix_check_duration_seconds') as number) > 0);
  });

  it('only warnings (a queue backlog): WARNING (1); check_smtp sees a banner and says OK', async () => {
    const { host, addr } = await server('mon-warn');
    const fault = await injectQueueBacklog(host, 120);
    const ours = await nagios(host);
    assert.equal(ours.code, 1, ours.status + '\n' + ours.long.join('\n'));
    assert.equal(ours.state, 'WARNING');
    assert.equal(ours.label, 'queue-backlog');
    assert.match(ours.status, /^POSTFIX-FIX WARNING - queue-backlog: 120 messages waiting in the queue \| /);
    assert.equal(ours.perf['problems'], '1;;;0');
    assert.equal(ours.perf['queue'], '120;;;0');
    const age = Number(/^(\d+)s;;;0$/.exec(ours.perf['oldest_message_age'] ?? '')?.[1]);
    assert.ok(age >= 0 && age <= Math.ceil(Date.now() / 1000) - fault.submittedFrom + 1, `oldest_message_age ${age}`);
    assert.ok(ours.long.includes('fix: postfix-fix run --runbook slow-delivery'), ours.long.join('\n'));
    // check_smtp only asks for a banner: a backlog is invisible to it, from anywhere.
    assert.equal((await checkSmtp(nms, addr)).state, 'OK');
    assert.equal((await checkSmtp(host, '127.0.0.1')).state, 'OK');

    const p = await prometheus(host);
    assert.equal(p.code, 7, 'prometheus keeps the published exit codes (7: a runbook fixes it)');
    assertPromValid(p);
    assert.equal(p.samples.get('postfix_fix_healthy'), 0);
    assert.equal(p.samples.get('postfix_fix_cause{cause="queue-backlog",status="warn"}'), 1);
    assert.equal(p.samples.get('postfix_fix_queue_messages{queue="deferred"}'), 120);
  });

  it('a firewall refusing only outsiders: CRITICAL (2) like check_smtp from outside; check_smtp on the server says OK', async () => {
    const { host, addr } = await server('mon-fw');
    await host.execOk(['iptables', '-A', 'INPUT', '!', '-i', 'lo', '-p', 'tcp', '--dport', '25', '-j', 'REJECT', '--reject-with', 'tcp-reset']);
    const ours = await nagios(host);
    assert.equal(ours.code, 2, ours.status);
    assert.equal(ours.label, 'firewall-blocks-smtp');
    assert.ok(ours.long.includes('fix: postfix-fix run --runbook firewall'));
    const outside = await checkSmtp(nms, addr);
    assert.equal(outside.state, 'CRITICAL');
    assert.match(outside.output, /Connection refused/);
    // The same check_smtp run where NRPE would run it: blind to what outsiders get.
    assert.equal((await checkSmtp(host, '127.0.0.1')).state, 'OK');
  });

  it('a firewall refusing everyone: both CRITICAL (2)', async () => {
    const { host, addr } = await server('mon-fw-all');
    await injectIptablesBlock25(host, { action: 'reject' });
    const ours = await nagios(host);
    assert.equal(ours.code, 2, ours.status);
    assert.equal(ours.label, 'firewall-blocks-smtp');
    assert.equal((await checkSmtp(nms, addr)).state, 'CRITICAL');
    assert.equal((await checkSmtp(host, '127.0.0.1')).state, 'CRITICAL');
  });

  it('Postfix stopped: CRITICAL (2) like check_smtp; node_exporter serves the metrics file as written', async () => {
    const { host, addr } = await server('mon-stop');
    await injectPostfixStopped(host);
    const ours = await nagios(host);
    assert.equal(ours.code, 2, ours.status);
    assert.match(ours.status, /^POSTFIX-FIX CRITICAL - postfix-stopped: Postfix is not running \| duration=\d+\.\d{3}s;;;0 problems=1;;;0 queue=0;;;0 oldest_message_age=0s;;;0$/);
    assert.ok(ours.long.includes('fix: postfix-fix run --runbook postfix-service'), ours.long.join('\n'));
    assert.ok(ours.long.some((l) => /^127\.0\.0\.1:25 → refused/.test(l)), 'the evidence');
    const outside = await checkSmtp(nms, addr);
    assert.equal(outside.state, 'CRITICAL');
    assert.match(outside.output, /Connection refused/);
    assert.equal((await checkSmtp(host, '127.0.0.1')).state, 'CRITICAL');

    const p = await prometheus(host);
    assert.equal(p.code, 7);
    assertPromValid(p);
    assert.equal(p.samples.get('postfix_fix_healthy'), 0);
    assert.equal(p.samples.get('postfix_fix_cause{cause="postfix-stopped",status="fail"}'), 1);

    // The real reader: node_exporter's textfile collector, inside the server.
    await startDaemon(host, ['prometheus-node-exporter', '--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${TEXTFILE_DIR}`, '--web.listen-address=127.0.0.1:9100'], '/var/log/node-exporter.log');
    const fetchMetrics = `fetch('http://127.0.0.1:9100/metrics').then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`;
    const served = await pollUntil(
      async () => {
        const r = await host.exec([host.nodeBin, '-e', fetchMetrics], { timeoutMs: 10_000 });
        return r.code === 0 && r.stdout.includes('node_textfile_scrape_error') ? r.stdout : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'node_exporter answering on 127.0.0.1:9100' },
    );
    assert.match(served, /^node_textfile_scrape_error 0$/m, served.split('\n').filter((l) => /textfile/.test(l)).join('\n'));
    assert.match(served, /^postfix_fix_up 1$/m);
    assert.match(served, /^postfix_fix_cause\{cause="postfix-stopped",status="fail"\} 1$/m);
    assert.match(served, /^# TYPE postfix_fix_queue_oldest_message_age_seconds gauge$/m);
  });

  it('diagnose unable to run: UNKNOWN (3) on stdout, nothing on stderr; prometheus writes postfix_fix_up 0', async () => {
    const { host } = await server('mon-unk');
    // Not root (a Nagios user without the sudo rule): most checks cannot look.
    const nobody = await host.exec(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', host.nodeBin, cliBundlePath(), 'diagnose', '--format', 'nagios', '--offline']);
    const asNobody = parseNagios(nobody.stdout, nobody.code as number, nobody.stderr);
    assert.equal(asNobody.code, 3, asNobody.status);
    assert.equal(asNobody.label, 'not root');
    assert.match(asNobody.status, /run it as root, e\.g\. through sudo\); service: could not tell whether Postfix runs/);
    // A mistyped flag in the check command.
    const typo = await nagios(host, ['--timout', '5']);
    assert.equal(typo.code, 3);
    assert.match(typo.status, /^POSTFIX-FIX UNKNOWN - diagnose could not run: diagnose: Unknown option '--timout'/);
    assert.equal(typo.stderr, '', 'some monitoring systems fold stderr into the output');
    // --out is for files; a Nagios check answers on stdout.
    assert.equal((await nagios(host, ['--out', '/tmp/x'])).code, 3);
    // An invalid runbook in --runbooks: the file and line, in the status line.
    await host.execOk(['mkdir', '-p', '/root/runbooks']);
    await host.writeFile('/root/runbooks/broken.yaml', 'id: broken\ntitle: broken\nsymptoms: [postfix-stopped]\nsteps: not-a-list\nverify: []\n', 0o644);
    const bad = await nagios(host, ['--runbooks', '/root/runbooks']);
    assert.equal(bad.code, 3);
    assert.match(bad.status, /^POSTFIX-FIX UNKNOWN - diagnose could not run: \/root\/runbooks\/broken\.yaml:\d+:\d+: /);
    assert.equal(bad.stderr, '');

    // Prometheus: the usual message and exit code (2: invalid input), and up 0 where the metrics go.
    const p = await prometheus(host, ['--runbooks', '/root/runbooks']);
    assert.equal(p.code, 2);
    assert.match(p.stderr, /broken\.yaml:\d+:\d+/);
    assertPromValid(p);
    assert.equal(p.samples.get('postfix_fix_up'), 0);
    assert.equal(p.samples.get('postfix_fix_healthy'), undefined, 'nothing claimed about the host');
  });
});
