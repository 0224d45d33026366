// submission-ports on Debian's default master.cf (submission and submissions commented out,
// their -o lines commented one by one): `run --yes --runbook submission-ports` adds the services
// through postconf -M; from a peer, 587 greets, offers AUTH only after STARTTLS, logs a user in
// through Dovecot and refuses an unauthenticated relay; 465 speaks TLS from the first byte; port
// 25 is untouched; a second run changes nothing; rollback restores master.cf byte for byte.
// Without a SASL backend, or without a usable certificate, the runbook is blocked and says which.

import assert from 'node:assert/strict';
import { LabHost, link, makeCertificate, runCli, smtpProbe, smtpSession, startDovecotSasl, useCertificate } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';
import type { Plan } from '../../../src/engine/plan-types.js';
import type { RunReport } from '../../../src/report/run-report.js';

const USER = { user: 'alice@lab.test', password: 'correct horse' };
const RELAY = { from: 'spammer@example.org', to: 'victim@example.net' };

async function listening(host: Host): Promise<string> {
  return (await host.execOk(['ss', '-Hltn'])).stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[3] ?? '')
    .filter(Boolean)
    .sort()
    .join(' ');
}

describe('e2e: submission-ports on a Debian-default master.cf', function () {
  this.timeout(240_000);
  let host: LabHost;
  let peer: LabHost;
  let net: LinkInfo;
  let masterCfBefore: string;
  let port25Before: string;
  let planned: string[];

  before(async function () {
    this.timeout(120_000);
    host = await LabHost.create({ name: 'submission' });
    peer = await LabHost.create({ name: 'submission-peer', postfix: false });
    net = await link(host, peer);
    await useCertificate(host, await makeCertificate(host, { name: 'mx' }));
    // Dovecot answers on private/auth; main.cf is not told about it (no SASL on port 25).
    await startDovecotSasl(host, { users: [USER], configurePostfix: false });
    masterCfBefore = await host.readFile('/etc/postfix/master.cf');
    port25Before = (await smtpProbe(peer, net.aAddr, 25, 3000)).banner ?? '';
  });
  after(async () => {
    await peer?.destroy();
    await host?.destroy();
  });

  it('before: 587 and 465 are refused, 25 greets', async () => {
    assert.equal((await smtpProbe(peer, net.aAddr, 587, 2000)).kind, 'refused');
    assert.equal((await smtpProbe(peer, net.aAddr, 465, 2000)).kind, 'refused');
    assert.match(port25Before, /^220 .*Postfix/);
  });

  it('plan shows the two entries postconf will append, with TLS, SASL and the client restrictions', async () => {
    const r = await runCli(host, ['plan', '--runbook', 'submission-ports', '--var', 'ports=587,465', '--format', 'json', '--offline']);
    assert.equal(r.code, 0, r.stderr);
    const plan = r.json as Plan;
    const rb = plan.runbooks.find((x) => x.id === 'submission-ports');
    assert.equal(rb?.status, 'ready', JSON.stringify(rb));
    assert.ok(rb?.preconditions.every((p) => p.ok === true), JSON.stringify(rb?.preconditions));
    planned = rb?.steps.filter((s) => s.status === 'change').flatMap((s) => s.change?.diff ?? []) ?? [];
    const text = planned.join('\n');
    assert.match(text, /^\+submission inet {2}n {7}- {7}y {7}- {7}- {7}smtpd$/m);
    assert.match(text, /^\+submissions inet n {7}- {7}y {7}- {7}- {7}smtpd$/m);
    for (const o of ['smtpd_tls_security_level=encrypt', 'smtpd_sasl_auth_enable=yes', 'smtpd_sasl_type=dovecot', 'smtpd_sasl_path=private/auth', 'smtpd_tls_auth_only=yes', 'smtpd_client_restrictions=permit_sasl_authenticated,reject', 'smtpd_tls_wrappermode=yes']) {
      assert.match(text, new RegExp(`^\\+    -o ${o.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'), o);
    }
    assert.equal(await host.readFile('/etc/postfix/master.cf'), masterCfBefore, 'plan changed nothing');
  });

  it('run --yes enables them: 587 greets, AUTH only after STARTTLS, a login works, an unauthenticated relay is refused; 465 is TLS-first', async () => {
    const r = await runCli(host, ['run', '--yes', '--runbook', 'submission-ports', '--var', 'ports=587,465', '--json', '--offline'], { timeoutMs: 150_000 });
    const report = r.json as RunReport;
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(report.status, 'changed');

    // What the plan showed is what postconf wrote, appended after Debian's lines.
    const after = await host.readFile('/etc/postfix/master.cf');
    const added = planned.filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1));
    assert.equal(after, `${masterCfBefore}${added.join('\n')}\n`);

    const plain = await smtpSession(peer, net.aAddr, 587, { timeoutMs: 5_000 });
    assert.equal(plain.banner?.code, 220, JSON.stringify(plain));
    assert.ok(plain.ehlo?.extensions.includes('STARTTLS'), JSON.stringify(plain.ehlo));
    assert.deepEqual(plain.authMechanisms, [], 'no AUTH before TLS');

    const tls = await smtpSession(peer, net.aAddr, 587, { tls: 'starttls', relay: RELAY, timeoutMs: 5_000 });
    assert.ok(tls.authMechanisms.includes('PLAIN'), JSON.stringify(tls));
    assert.equal(tls.relay?.accepted, false, JSON.stringify(tls.relay));

    const login = await smtpSession(peer, net.aAddr, 587, { tls: 'starttls', auth: USER, timeoutMs: 8_000 });
    assert.equal(login.auth?.ok, true, JSON.stringify(login.auth));

    const first = await smtpSession(peer, net.aAddr, 465, { tls: 'implicit', relay: RELAY, timeoutMs: 5_000 });
    assert.equal(first.banner?.code, 220, JSON.stringify(first));
    assert.ok(first.tls?.version, JSON.stringify(first.tls));
    assert.ok(first.authMechanisms.includes('PLAIN'), JSON.stringify(first));
    assert.equal(first.relay?.accepted, false, JSON.stringify(first.relay));
  });

  it('port 25 is unchanged: same banner, no AUTH, and its master.cf line untouched', async () => {
    assert.equal((await smtpProbe(peer, net.aAddr, 25, 3000)).banner, port25Before);
    const s25 = await smtpSession(peer, net.aAddr, 25, { tls: 'starttls', timeoutMs: 5_000 });
    assert.deepEqual(s25.authMechanisms, []);
    const smtpLine = (t: string): string[] => t.split('\n').filter((l) => /^#?smtp\s+inet/.test(l));
    assert.deepEqual(smtpLine(await host.readFile('/etc/postfix/master.cf')), smtpLine(masterCfBefore));
  });

  it('a second run changes nothing and says so', async () => {
    const before = await host.readFile('/etc/postfix/master.cf');
    const r = await runCli(host, ['run', '--yes', '--runbook', 'submission-ports', '--var', 'ports=587,465', '--json', '--offline', '--detailed-exitcodes']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal((r.json as RunReport).status, 'nothing-to-do');
    assert.equal(await host.readFile('/etc/postfix/master.cf'), before);
  });

  it('rollback --last restores master.cf byte for byte; 587 and 465 are refused again, 25 still greets', async () => {
    const listeners = await listening(host);
    const r = await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(await host.readFile('/etc/postfix/master.cf'), masterCfBefore);
    assert.equal((await smtpProbe(peer, net.aAddr, 587, 2000)).kind, 'refused');
    assert.equal((await smtpProbe(peer, net.aAddr, 465, 2000)).kind, 'refused');
    assert.equal((await smtpProbe(peer, net.aAddr, 25, 3000)).banner, port25Before);
    assert.notEqual(await listening(host), listeners);
  });
});

describe('e2e: submission-ports refuses to enable what clients could not use', function () {
  this.timeout(180_000);
  let host: LabHost;
  before(async function () {
    this.timeout(60_000);
    host = await LabHost.create({ name: 'submission-blocked' });
  });
  after(async () => host?.destroy());

  it('no certificate and no SASL backend: blocked, saying which, and nothing changes', async () => {
    const masterCf = await host.readFile('/etc/postfix/master.cf');
    const r = await runCli(host, ['run', '--yes', '--runbook', 'submission-ports', '--json', '--offline']);
    const report = r.json as RunReport;
    assert.equal(r.code, 4, `${r.stdout}\n${r.stderr}`);
    assert.equal(report.status, 'needs-human');
    const why = report.needsHuman.join('\n');
    assert.match(why, /submission-ports: precondition failed: main\.cf's certificate and key are usable/);
    assert.match(why, /smtpd_tls_cert_file is empty/);
    assert.equal(await host.readFile('/etc/postfix/master.cf'), masterCf);
  });

  it('a certificate but no SASL backend: blocked, naming the sockets it tried', async () => {
    await useCertificate(host, await makeCertificate(host, { name: 'mx' }));
    const r = await runCli(host, ['plan', '--runbook', 'submission-ports', '--format', 'json', '--offline']);
    const rb = (r.json as Plan).runbooks.find((x) => x.id === 'submission-ports');
    assert.equal(rb?.status, 'blocked');
    assert.match(rb?.blockedReason ?? '', /a SASL backend answers/);
    assert.match(rb?.blockedReason ?? '', /no SASL backend answers: Dovecot's auth socket \/var\/spool\/postfix\/private\/auth → ENOENT/);
  });

  it('--var mode=local needs neither: 127.0.0.1:587 for applications on this host, mynetworks only, no AUTH', async () => {
    const masterCf = await host.readFile('/etc/postfix/master.cf');
    const r = await runCli(host, ['run', '--yes', '--runbook', 'submission-ports', '--var', 'mode=local', '--json', '--offline'], { timeoutMs: 120_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const local = await smtpSession(host, '127.0.0.1', 587, { relay: RELAY, timeoutMs: 5_000 });
    assert.equal(local.banner?.code, 220, JSON.stringify(local));
    assert.deepEqual(local.authMechanisms, []);
    // 127.0.0.1 is in mynetworks: an application here may send anywhere.
    assert.equal(local.relay?.accepted, true, JSON.stringify(local.relay));
    assert.match(await listening(host), /127\.0\.0\.1:587/);
    assert.doesNotMatch(await listening(host), /(0\.0\.0\.0|\*|\[::\]):587/);
    assert.equal((await runCli(host, ['rollback', '--last'])).code, 0);
    assert.equal(await host.readFile('/etc/postfix/master.cf'), masterCf);
  });
});
