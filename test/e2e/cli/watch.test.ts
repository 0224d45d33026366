// `postfix-fix watch` on lab hosts: Postfix stopped and restarted within one tick as a peer
// sees it; a healthy host left alone and nobody told; a fix that keeps failing (Postfix starts,
// but every smtpd dies before its banner: SASL pointed at a Dovecot that is not there) reaching
// back-off with exactly one notice at a webhook receiver inside the lab; hooks and webhooks that
// fail or hang, bounded, after the fix; bad policies refused before anything happens; the run
// lock; the loop until SIGTERM. Notices are read where they land: the webhook receiver's log
// (a peer host), a hook's file, the host's own /dev/log (logger(1), the real program).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import {
  LabHost,
  PID_AND_LISTENERS,
  cliBundlePath,
  injectLoopbackOnly,
  injectPostfixStopped,
  injectUnknownInterfaceAddress,
  link,
  pollUntil,
  runCli,
  smtpProbe,
  snapshot,
  startDaemon,
  startSyslogListener,
  startWebhookListener,
} from '../lab/index.js';
import type { Host, LinkInfo, SyslogListener, WebhookListener, WebhookMode } from '../lab/index.js';
import type { TickRecord } from '../../../src/cli/watch-tick.js';
import type { WatchNotice } from '../../../src/report/watch-notice.js';

const noticeSchema = JSON.parse(readFileSync(new URL('../../../schemas/watch-notice.schema.json', import.meta.url), 'utf8')) as object;
const runReportSchema = JSON.parse(readFileSync(new URL('../../../schemas/run-report.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: false, formats: { 'date-time': true } });
const validNotice = ajv.compile(noticeSchema);
const validRunReport = ajv.compile(runReportSchema);

const POLICY = '/etc/postfix-fix/watch.yaml';
const HOOK = '/usr/local/sbin/lab-watch-hook';
const HOOK_LOG = '/root/hook-notices.jsonl';
// Appends each notice (one line of JSON on stdin) to a file: what an admin's hook gets.
const RECORDING_HOOK = `#!/bin/sh\ncat >> ${HOOK_LOG}\n`;
const SHORT = 2_000;

interface Bench {
  server: Host;
  net: LinkInfo;
  webhook: WebhookListener;
  syslog: SyslogListener;
}

let port = 8100;

async function bench(peer: Host, name: string, mode: WebhookMode = 'ok'): Promise<Bench> {
  const server = await LabHost.create({ name });
  const net = await link(server, peer);
  const webhook = await startWebhookListener(peer, { address: net.bAddr, port: port++, mode, path: '/hooks/T0-secret-token' });
  const syslog = await startSyslogListener(server);
  await server.execOk(['mkdir', '-p', '/etc/postfix-fix', '/usr/local/sbin']);
  await server.writeFile(HOOK, RECORDING_HOOK, 0o755);
  return { server, net, webhook, syslog };
}

async function writePolicy(host: Host, text: string): Promise<void> {
  await host.writeFile(POLICY, text, 0o600);
}

async function tick(host: Host, ...more: string[]): Promise<{ code: number; record: TickRecord; stderr: string; ms: number }> {
  const r = await runCli(host, ['watch', '--once', '--offline', '--json', ...more], { timeoutMs: 120_000 });
  const record = r.json as TickRecord | undefined;
  assert.ok(record, `watch --once --json printed a record (exit ${r.code})\n${r.stdout}\n${r.stderr}`);
  return { code: r.code, record, stderr: r.stderr, ms: r.ms };
}

async function runIds(host: Host): Promise<string[]> {
  const r = await host.exec(['ls', '/var/lib/postfix-fix/runs']);
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean).sort() : [];
}

async function hookNotices(host: Host): Promise<WatchNotice[]> {
  const r = await host.exec(['cat', HOOK_LOG]);
  return r.code === 0 ? r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as WatchNotice) : [];
}

async function watchLines(s: SyslogListener): Promise<string[]> {
  return (await s.messages()).filter((m) => m.tag === 'postfix-fix' && m.message.startsWith('watch: ')).map((m) => `<${m.pri}>${m.message}`);
}

describe('e2e: postfix-fix watch', function () {
  this.timeout(240_000);
  let peer: Host;
  const hosts: Host[] = [];
  before(async () => {
    peer = await LabHost.create({ name: 'watch-peer', postfix: false });
  });
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.destroy()));
  });
  after(async () => peer?.destroy());
  const make = async (name: string, mode: WebhookMode = 'ok'): Promise<Bench> => {
    const b = await bench(peer, name, mode);
    hosts.push(b.server);
    return b;
  };

  it('on a healthy host it changes nothing and tells no one', async () => {
    const b = await make('watch-ok');
    await writePolicy(b.server, `max_risk: low\nnotify:\n  hook: { command: [${HOOK}] }\n  webhook: { url: "${b.webhook.url}" }\n`);
    // Byte for byte, but for which smtpd processes serve the port (diagnose's own connections
    // start some): the master's pid and the listening sockets stand in for those.
    const look = async (): Promise<unknown> => ({ ...(await snapshot(b.server)), listeners: (await b.server.execOk(PID_AND_LISTENERS)).stdout });
    const before = await look();
    const quiet = await runCli(b.server, ['watch', '--once', '--offline']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stdout + quiet.stderr, '', 'nothing to say: nothing printed (cron mails whatever a job prints)');
    const t = await tick(b.server);
    assert.equal(t.code, 0, t.stderr);
    assert.deepEqual([t.record.state, t.record.events, t.record.run, t.record.notice, t.record.deliveries], ['healthy', [], null, null, []]);
    assert.deepEqual(await look(), before);
    assert.deepEqual(await runIds(b.server), [], 'no run opened, no journal');
    assert.deepEqual(await b.webhook.requests(), []);
    assert.deepEqual(await hookNotices(b.server), []);
    assert.deepEqual(await watchLines(b.syslog), []);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'banner');
  });

  it('Postfix stopped, max_risk low: restarted within the tick (the peer gets the banner), journaled, one notice everywhere; the next tick is quiet; rollback undoes it', async () => {
    const b = await make('watch-fix');
    await writePolicy(b.server, `max_risk: low\nnotify:\n  hook: { command: [${HOOK}] }\n  webhook: { url: "${b.webhook.url}", timeout: 5, retries: 2 }\n`);
    await injectPostfixStopped(b.server);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'refused');

    const t = await tick(b.server);
    assert.equal(t.code, 0, t.stderr);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'banner');
    assert.equal(t.record.state, 'healthy');
    assert.deepEqual(t.record.events.map((e) => `${e.kind}:${e.cause}`), ['problem:postfix-stopped', 'fixed:postfix-stopped']);
    assert.ok(validRunReport(t.record.run), JSON.stringify(validRunReport.errors));
    assert.equal(t.record.run?.command, 'watch');
    assert.equal(t.record.run?.status, 'changed');
    const runId = t.record.run?.runId as string;
    assert.deepEqual(await runIds(b.server), [runId]);
    assert.deepEqual(t.record.deliveries.map((d) => [d.target, d.ok]).sort(), [['hook', true], ['syslog', true], ['webhook', true]]);

    // The same notice through each channel.
    const [viaWebhook, ...moreWebhook] = await b.webhook.notices();
    assert.deepEqual(moreWebhook, []);
    assert.ok(validNotice(viaWebhook), JSON.stringify(validNotice.errors));
    assert.deepEqual(viaWebhook, t.record.notice);
    assert.deepEqual(await hookNotices(b.server), [t.record.notice]);
    const notice = t.record.notice as WatchNotice;
    assert.equal(notice.text, `postfix-fix watch on watch-fix: problem: Postfix is not running [postfix-stopped]; fixed: postfix-stopped by postfix-service (run ${runId}) — now healthy`);
    assert.deepEqual(await watchLines(b.syslog), [`<29>watch: ${notice.text}`], 'one line, daemon.notice');
    const [request] = await b.webhook.requests();
    assert.equal(request?.headers['content-type'], 'application/json; charset=utf-8');
    assert.match(request?.headers['user-agent'] ?? '', /^postfix-fix\/\d+\.\d+\.\d+$/);
    // Each change the fix made is in the system log too (authpriv), as for `run`.
    assert.ok((await b.syslog.messages()).some((m) => m.pri === 85 && m.message.startsWith(`run ${runId}: `)));

    // State: root's only, like the journals.
    assert.equal((await b.server.execOk(['stat', '-c', '%a %U', '/var/lib/postfix-fix/watch', '/var/lib/postfix-fix/watch/state.json'])).stdout, '700 root\n600 root\n');

    const again = await tick(b.server);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual([again.record.events, again.record.notice, again.record.run], [[], null, null]);
    assert.equal((await b.webhook.requests()).length, 1, 'a healthy host stays quiet');
    assert.equal((await hookNotices(b.server)).length, 1);

    const list = await runCli(b.server, ['rollback', '--list']);
    assert.match(list.stdout, new RegExp(`^${runId}\\s+watch\\s+changed\\b`, 'm'));
    const undo = await runCli(b.server, ['rollback', runId]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'refused', 'rollback restored the state before the tick: stopped');
  });

  it('a fix that keeps failing reaches back-off after max_fixes_per_cause_per_hour: exactly one back-off notice, then nothing is touched', async () => {
    const b = await make('watch-backoff');
    await writePolicy(b.server, `max_risk: low\nallow: [postfix-service]\nmax_fixes_per_cause_per_hour: 2\nnotify:\n  hook: { command: [${HOOK}] }\n  webhook: { url: "${b.webhook.url}" }\n`);
    // inet_interfaces names an address this host does not have: Postfix refuses to start, so the
    // one fix the policy allows (start Postfix) fails every time; the fix of the address itself
    // (inet-interfaces-unknown-address) is not allowed.
    await injectUnknownInterfaceAddress(b.server);

    const ticks: Array<{ code: number; record: TickRecord }> = [];
    for (let i = 0; i < 4; i++) ticks.push(await tick(b.server));
    assert.deepEqual(ticks.map((t) => t.code), [3, 3, 4, 4], 'two failed fixes (rolled back), then held back');
    assert.deepEqual(ticks.map((t) => t.record.run?.status ?? null), ['failed-rolled-back', 'failed-rolled-back', null, null]);
    // Two problems (the lost address, and Postfix therefore stopped), one failed fix.
    assert.deepEqual(ticks.map((t) => t.record.events.map((e) => e.kind)), [['problem', 'problem', 'fix-failed'], ['backoff'], [], []]);
    assert.deepEqual(ticks[2]?.record.held.map((h) => [h.cause, h.fixes, h.runbooks]), [['postfix-stopped', 2, ['postfix-service']]]);
    assert.equal((await runIds(b.server)).length, 2, 'held-back ticks open no run');
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'refused', 'each failed fix was rolled back');

    const notices = (await b.webhook.notices()) as WatchNotice[];
    for (const n of notices) assert.ok(validNotice(n), JSON.stringify(validNotice.errors));
    assert.equal(notices.length, 2, notices.map((n) => n.text).join('\n'));
    const backoffs = notices.filter((n) => n.events.some((e) => e.kind === 'backoff'));
    assert.equal(backoffs.length, 1, 'exactly one back-off notice');
    assert.match(backoffs[0]?.text ?? '', /^postfix-fix watch on watch-backoff: back-off: postfix-stopped had 2 fix\(es\) within the hour \(max 2\), left alone until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z — now problem$/);
    assert.match(notices[0]?.text ?? '', /fix failed: postfix-stopped by postfix-service \(failed-rolled-back: /);
    assert.deepEqual(await hookNotices(b.server), notices, 'the hook got the same two');
    assert.equal((await watchLines(b.syslog)).length, 2);
    assert.ok((await watchLines(b.syslog)).every((l) => l.startsWith('<28>watch: ')), 'daemon.warning');
  });

  it('a hook that hangs and a webhook that hangs: the fix is not delayed, each is cut off at its timeout and logged, the tick completes', async () => {
    const b = await make('watch-hang', 'hang');
    await b.server.writeFile('/usr/local/sbin/hanging-hook', `#!/bin/sh\ncat > /root/hang-got.json\nsleep 600\n`, 0o755);
    await writePolicy(b.server, `max_risk: low\nnotify:\n  hook: { command: [/usr/local/sbin/hanging-hook], timeout: 1 }\n  webhook: { url: "${b.webhook.url}", timeout: 1, retries: 1 }\n`);
    await injectPostfixStopped(b.server);
    const t = await tick(b.server);
    assert.equal(t.code, 0, t.stderr);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'banner');
    const hook = t.record.deliveries.find((d) => d.target === 'hook');
    const webhook = t.record.deliveries.find((d) => d.target === 'webhook');
    assert.equal(hook?.detail, '/usr/local/sbin/hanging-hook did not finish within 1 s: killed');
    assert.equal(webhook?.detail, `http://${b.net.bAddr}:${new URL(b.webhook.url).port} no answer within 1000 ms (2 attempt(s))`);
    assert.match(t.stderr, /^watch: notice via hook failed: \/usr\/local\/sbin\/hanging-hook did not finish within 1 s: killed$/m);
    assert.match(t.stderr, /^watch: notice via webhook failed: http:\/\/[\d.]+:\d+ no answer within 1000 ms \(2 attempt\(s\)\)$/m);
    assert.doesNotMatch(t.stderr + JSON.stringify(t.record), /T0-secret-token/, 'the webhook path (a token) is never logged');
    // Bounded: hook and webhook side by side, each at most its timeouts (+ one 1 s pause).
    assert.ok((hook?.durationMs ?? Infinity) < 1_000 + 2_500 && (webhook?.durationMs ?? Infinity) < 2 * 1_000 + 1_000 + 1_500, JSON.stringify(t.record.deliveries));
    // After the fix, never before it: both attempts reached the receiver once the run had ended.
    const ranUntil = Date.parse(t.record.run?.startedAt ?? '') + (t.record.run?.durationMs ?? 0);
    const arrivals = (await b.webhook.requests()).map((r) => r.at * 1000);
    assert.equal(arrivals.length, 2);
    assert.ok(arrivals.every((at) => at >= ranUntil), `webhook at ${arrivals.join(', ')}, the run ended at ${ranUntil}`);
    assert.ok(validNotice(JSON.parse(await b.server.readFile('/root/hang-got.json'))), 'the hook had its notice before it hung');
    assert.equal((await b.server.exec(['pgrep', '-f', 'hanging-hook'])).code, 1, 'the hook was killed');
  });

  it('a hook that fails is logged; the fix and the other notices stand', async () => {
    const b = await make('watch-hookfail');
    await b.server.writeFile('/usr/local/sbin/failing-hook', `#!/bin/sh\ncat >/dev/null\necho "mail relay refused" >&2\nexit 3\n`, 0o755);
    await writePolicy(b.server, `notify:\n  hook: { command: [/usr/local/sbin/failing-hook] }\n  webhook: { url: "${b.webhook.url}" }\n`);
    await injectPostfixStopped(b.server);
    const t = await tick(b.server);
    assert.equal(t.code, 0, t.stderr);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'banner');
    assert.match(t.stderr, /^watch: notice via hook failed: \/usr\/local\/sbin\/failing-hook exited 3: mail relay refused$/m);
    assert.deepEqual(t.record.deliveries.map((d) => [d.target, d.ok]).sort(), [['hook', false], ['syslog', true], ['webhook', true]]);
    assert.equal((await b.webhook.requests()).length, 1);
  });

  it('no secrets from main.cf in what a tick prints, sends or keeps (the fix\'s diff shows where they were redacted)', async () => {
    const b = await make('watch-secrets');
    const secrets = ['S3cr3t-Passw0rd!', 'L0cal-Lmtp-Secret'];
    await injectLoopbackOnly(b.server);
    // As in test/e2e/security/secrets.test.ts: credentials right above the line the fix changes,
    // so the step's diff context carries them.
    const mainCf = await b.server.readFile('/etc/postfix/main.cf');
    await b.server.writeFile('/etc/postfix/main.cf', mainCf.replace(/^inet_interfaces = /m, 'smtp_sasl_auth_enable = yes\nlmtp_sasl_password_maps = static:lmtpuser:L0cal-Lmtp-Secret\nsmtp_sasl_password_maps = inline:{\n    [smtp.example.com]:587=relayuser:S3cr3t-Passw0rd! }\ninet_interfaces = '), 0o644);
    await writePolicy(b.server, `allow: [inet-interfaces]\nnotify:\n  hook: { command: [${HOOK}] }\n  webhook: { url: "${b.webhook.url}" }\n`);
    const r = await runCli(b.server, ['watch', '--once', '--offline', '--json'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'banner', 'fixed: the peer is served');
    const record = r.json as TickRecord;
    assert.ok(JSON.stringify(record.run?.steps).includes('«redacted»'), 'the diff context line was there, redacted');
    const runId = record.run?.runId as string;
    const kept = [
      ['stdout', r.stdout],
      ['stderr', r.stderr],
      ['webhook', JSON.stringify(await b.webhook.requests())],
      ['hook', JSON.stringify(await hookNotices(b.server))],
      ['syslog', JSON.stringify(await b.syslog.messages())],
      ['state.json', await b.server.readFile('/var/lib/postfix-fix/watch/state.json')],
      ['report.json', await b.server.readFile(`/var/lib/postfix-fix/runs/${runId}/report.json`)],
    ];
    assert.ok((await b.webhook.requests()).length === 1 && (await hookNotices(b.server)).length === 1);
    for (const [where, text] of kept) assert.deepEqual(secrets.filter((x) => (text as string).includes(x)), [], `${where} leaked a secret`);
  });

  it('bad input: a malformed policy, a non-http(s) webhook, an unknown runbook, no policy at all: exit 2, file:line:column, nothing fixed', async () => {
    const b = await make('watch-bad');
    await injectPostfixStopped(b.server);
    const refused = async (args: string[], pattern: RegExp): Promise<void> => {
      const r = await runCli(b.server, ['watch', '--once', '--offline', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.doesNotMatch(r.stderr, /^\s+at /m, 'no stack trace');
    };
    await refused([], /^postfix-fix: no watch policy: \/etc\/postfix-fix\/watch\.yaml does not exist\n {2}start from the example: install -m 0600 \/usr\/share\/doc\/postfix-fix\/examples\/watch\.yaml \/etc\/postfix-fix\/watch\.yaml/);
    await writePolicy(b.server, 'max_risk: low\nallow: [postfix-service\nnotify: {}\n');
    await refused([], /^postfix-fix: \/etc\/postfix-fix\/watch\.yaml:\d+:\d+: YAML syntax error/);
    await writePolicy(b.server, 'max_risk: lowish\nmax_fixes_per_cause_per_hour: 1.5\nallow: [postfix-servce]\n');
    await refused([], /\/etc\/postfix-fix\/watch\.yaml:1:11: max_risk: value not allowed[\s\S]*watch\.yaml:2:31: max_fixes_per_cause_per_hour: wrong type[\s\S]*watch\.yaml:3:9: allow\[0\]: unknown runbook "postfix-servce"/);
    await writePolicy(b.server, `notify:\n  webhook:\n    url: "ftp://${b.net.bAddr}/hooks"\n`);
    await refused([], /^postfix-fix: \/etc\/postfix-fix\/watch\.yaml:3:11: notify\.webhook\.url: the scheme "ftp" is not allowed \(expected an http:\/\/ or https:\/\/ URL\)$/m);
    await b.server.writeFile('/root/other.yaml', 'notify:\n  hook: { command: [mail, root] }\n', 0o600);
    await refused(['--policy', '/root/other.yaml'], /^postfix-fix: \/root\/other\.yaml:2:21: notify\.hook\.command\[0\]: value has the wrong format/m);
    await refused(['--interval', '60'], /--interval: a single tick \(--once\) has no interval/);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'refused', 'nothing was fixed');
    assert.deepEqual(await runIds(b.server), []);
    assert.equal((await b.server.exec(['test', '-e', '/var/lib/postfix-fix/watch/state.json'])).code, 1, 'no tick happened');
    assert.deepEqual(await b.webhook.requests(), []);
  });

  it('never two at once: a tick that finds the run lock held says who holds it and exits 5 at once, changing nothing', async () => {
    const b = await make('watch-lock');
    await writePolicy(b.server, `notify:\n  webhook: { url: "${b.webhook.url}" }\n`);
    await injectPostfixStopped(b.server);
    // A live holder, as `postfix-fix run` writes it (pid and start time: not a stale lock).
    const holder = await startDaemon(b.server, ['sleep', '600']);
    const stat = await b.server.readFile(`/proc/${holder}/stat`);
    const procStart = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    await b.server.execOk(['mkdir', '-p', '-m', '0700', '/var/lib/postfix-fix/runs']);
    await b.server.writeFile('/var/lib/postfix-fix/lock', `${JSON.stringify({ pid: holder, procStart, bootId: null, startedAt: '2026-12-06T10:00:00Z', command: 'postfix-fix run --yes', host: 'watch-lock' })}\n`, 0o600);
    const t = await tick(b.server);
    assert.equal(t.code, 5, t.stderr);
    assert.match(t.record.skipped ?? '', new RegExp(`another postfix-fix run holds the lock: pid ${holder}, started 2026-12-06T10:00:00Z, running \`postfix-fix run --yes\``));
    assert.ok(t.ms < 30_000);
    const plain = await runCli(b.server, ['watch', '--once', '--offline']);
    assert.equal(plain.code, 5);
    assert.match(plain.stderr, /^watch: tick skipped: another postfix-fix run holds the lock: pid \d+/m);
    assert.equal((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind, 'refused');
    assert.deepEqual(await runIds(b.server), []);
    assert.deepEqual(await b.webhook.requests(), []);
    await b.server.exec(['kill', String(holder)]);
  });

  it('without --once: a tick every --interval until SIGTERM, which ends it cleanly (exit 0)', async () => {
    const b = await make('watch-loop');
    await writePolicy(b.server, `notify:\n  webhook: { url: "${b.webhook.url}" }\n`);
    // Stopped before the loop starts: its first tick has it to fix. (A stop injected while a
    // tick runs races with that tick's own diagnosis and fix: not what this test is about.)
    await injectPostfixStopped(b.server);
    const cli = `${b.server.nodeBin} ${cliBundlePath()}`;
    await startDaemon(b.server, ['sh', '-c', `${cli} watch --interval 2 --offline > /root/loop.out 2> /root/loop.err & echo $! > /root/loop.pid; wait $!; echo $? > /root/loop.rc`]);
    // The event: the peer gets the banner again.
    await pollUntil(async () => ((await smtpProbe(peer, b.net.aAddr, 25, SHORT)).kind === 'banner' ? true : undefined), { timeoutMs: 90_000, intervalMs: 250, what: 'Postfix restarted by the first watch tick (banner from the peer)' });
    await pollUntil(async () => ((await b.webhook.requests()).length > 0 ? true : undefined), { timeoutMs: 30_000, what: 'the notice at the webhook' });
    // Then it keeps ticking: each tick records itself in the state file.
    const lastTick = async (): Promise<string | undefined> => {
      const r = await b.server.exec(['cat', '/var/lib/postfix-fix/watch/state.json']);
      return r.code === 0 ? (JSON.parse(r.stdout) as { lastTick?: { at: string } }).lastTick?.at : undefined;
    };
    const fixedAt = await pollUntil(lastTick, { timeoutMs: 30_000, what: 'the state file' });
    await pollUntil(async () => ((await lastTick()) !== fixedAt ? true : undefined), { timeoutMs: 60_000, intervalMs: 250, what: 'a further tick' });
    // A healthy host: a signal during a tick or between ticks ends the loop with 0.
    const pid = (await b.server.readFile('/root/loop.pid')).trim();
    await b.server.execOk(['kill', '-TERM', pid]);
    const rc = await pollUntil(async () => {
      const r = await b.server.exec(['cat', '/root/loop.rc']);
      return r.code === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : undefined;
    }, { timeoutMs: 60_000, what: 'the loop to exit after SIGTERM' });
    assert.equal(rc, '0', await b.server.readFile('/root/loop.err'));
    assert.match(await b.server.readFile('/root/loop.err'), /^watch: a tick every 2 s, policy \/etc\/postfix-fix\/watch\.yaml, max risk low, notices to syslog, webhook http:\/\/[\d.]+:\d+$/m);
    const out = await b.server.readFile('/root/loop.out');
    assert.match(out, /^watch: watch-loop: now healthy\n {2}problem: Postfix is not running \[postfix-stopped\]\n {2}fixed: postfix-stopped by postfix-service \(run \S+\)$/m);
    const notices = (await b.webhook.notices()) as WatchNotice[];
    assert.deepEqual(notices.map((n) => n.events.map((e) => e.kind)), [['problem', 'fixed']], 'later ticks on the healthy host told no one');
    assert.equal((await runIds(b.server)).length, 1);
  });
});
