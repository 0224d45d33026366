import assert from 'node:assert/strict';
import { startDovecotSasl } from './dovecot.js';
import type { DovecotInstance } from './dovecot.js';
import { injectSaslSocketMissing } from './faults.js';
import { LabHost } from './host.js';
import { listeners } from './listeners.js';
import { link } from './peer.js';
import { postconfGet } from './postfix-control.js';
import { smtpSession } from './smtp.js';
import type { SessionOptions } from './smtp.js';
import { enableSubmission } from './submission.js';

const ALICE = { user: 'alice', password: 'wonderland' };
const OUTSIDE = { from: 'alice@example.org', to: 'someone@example.net' };
const SHORT = 1_500;

// Each test gets a fresh server (Postfix + Dovecot SASL + 587/465): a fault that kills smtpd
// makes the master throttle the service for 60 s, which must not leak into the next test.
describe('lab: Dovecot 2.3 as Postfix\'s SASL backend, submission ports', function () {
  this.timeout(60_000);
  let client: LabHost;
  let server: LabHost;
  let addr: string;
  let dovecot: DovecotInstance;
  let counter = 0;

  before(async function () {
    client = await LabHost.create({ name: 'dvcli', postfix: false });
  });
  after(async function () {
    await client?.destroy();
  });
  beforeEach(async function () {
    server = await LabHost.create({ name: `dvsrv${counter++}` });
    addr = (await link(server, client)).aAddr;
    dovecot = await startDovecotSasl(server, { users: [ALICE] });
    await enableSubmission(server);
  });
  afterEach(async function () {
    await server?.destroy();
  });

  const session = (port: number, opts: SessionOptions) => smtpSession(client, addr, port, { timeoutMs: 10_000, ...opts });
  const postfixLog = () => server.readFile('/var/log/postfix.log');

  it('offers AUTH after STARTTLS on 587, at once on 465, never on 25; relays only for the authenticated', async function () {
    // Dovecot serves SASL only: its socket where smtpd looks, no IMAP/POP3 listener.
    assert.equal(dovecot.socket, '/var/spool/postfix/private/auth');
    assert.equal((await server.execOk(['stat', '-c', '%U:%G %a %F', dovecot.socket])).stdout.trim(), 'postfix:postfix 660 socket');
    assert.deepEqual((await listeners(server)).map((l) => l.port).filter((p) => [110, 143, 993, 995].includes(p)), []);
    assert.equal(await postconfGet(server, 'smtpd_sasl_type'), 'dovecot');
    assert.equal(await postconfGet(server, 'smtpd_sasl_path'), 'private/auth');

    const plain587 = await session(587, { relay: OUTSIDE });
    assert.equal(plain587.banner?.code, 220);
    assert.ok(plain587.ehlo?.extensions.includes('STARTTLS'), JSON.stringify(plain587.ehlo));
    assert.deepEqual(plain587.authMechanisms, [], 'no AUTH before TLS (smtpd_tls_auth_only)');
    // smtpd_tls_security_level = encrypt on 587.
    assert.equal(plain587.relay?.stage, 'mail');
    assert.match(plain587.relay?.text ?? '', /^530 5\.7\.0 Must issue a STARTTLS command first/);

    const tls587 = await session(587, { tls: 'starttls', relay: OUTSIDE });
    assert.equal(tls587.stage, 'done');
    assert.equal(tls587.starttls?.code, 220);
    assert.match(tls587.tls?.version ?? '', /^TLSv1\.[23]$/);
    assert.deepEqual(tls587.authMechanisms, ['PLAIN', 'LOGIN']);
    assert.equal(tls587.relay?.accepted, false);
    assert.match(tls587.relay?.text ?? '', /^554 5\.7\.1 .*Client host rejected: Access denied/);

    const login587 = await session(587, { tls: 'starttls', auth: ALICE, relay: OUTSIDE });
    assert.equal(login587.auth?.code, 235, JSON.stringify(login587.auth));
    assert.equal(login587.relay?.accepted, true, JSON.stringify(login587.relay));

    const login465 = await session(465, { tls: 'implicit', auth: ALICE, relay: OUTSIDE });
    assert.ok(login465.tls?.certificate, 'TLS before the banner');
    assert.equal(login465.banner?.code, 220);
    assert.deepEqual(login465.authMechanisms, ['PLAIN', 'LOGIN']);
    assert.equal(login465.auth?.ok, true);
    assert.equal(login465.relay?.accepted, true);

    const wrong = await session(465, { tls: 'implicit', auth: { user: 'alice', password: 'guess' } });
    assert.equal(wrong.auth?.code, 535);
    assert.match(await postfixLog(), /SASL PLAIN authentication failed: .*sasl_username=alice/);

    const mx = await session(25, { tls: 'starttls', auth: ALICE, relay: OUTSIDE });
    assert.deepEqual(mx.authMechanisms, []);
    assert.equal(mx.auth?.code, 503);
    assert.equal(mx.relay?.code, 454);
  });

  for (const how of ['dovecot-stopped', 'socket-removed'] as const) {
    it(`SASL socket missing (${how}): 587/465 clients cut off at SASL, then no banner; 25 unaffected`, async function () {
      const fault = await injectSaslSocketMissing(server, how);
      assert.equal(fault.saslPath, 'private/auth');
      // Dovecot never unlinks its listener: stopped, it leaves a dead socket behind.
      assert.equal(fault.socketFileExists, how === 'dovecot-stopped');

      // 587: banner, EHLO and STARTTLS work; smtpd dies when it turns to SASL after TLS.
      const first587 = await session(587, { tls: 'starttls', auth: ALICE });
      assert.equal(first587.banner?.code, 220);
      assert.equal(first587.starttls?.code, 220);
      assert.equal(first587.stage, 'ehlo-tls', JSON.stringify(first587));
      assert.match(first587.detail ?? '', /connection closed/);
      const why = how === 'dovecot-stopped' ? 'Connection refused' : 'No such file or directory';
      const log = await postfixLog();
      assert.match(log, new RegExp(`postfix/submission/smtpd\\[\\d+\\]: warning: SASL: Connect to Dovecot auth socket 'private/auth' failed: ${why}`));
      assert.match(log, /postfix\/submission\/smtpd\[\d+\]: fatal: no SASL authentication mechanisms/);
      assert.match(log, /warning: \/usr\/lib\/postfix\/sbin\/smtpd: bad command startup -- throttling/);
      // The master now throttles the service: the next client connects and hears nothing.
      const second587 = await session(587, { tls: 'starttls', timeoutMs: SHORT });
      assert.equal(second587.kind, 'banner-timeout', JSON.stringify(second587));

      // 465: the TLS handshake completes, then the connection closes before any banner.
      const first465 = await session(465, { tls: 'implicit', auth: ALICE });
      assert.ok(first465.tls?.certificate, JSON.stringify(first465));
      assert.equal(first465.kind, 'error', JSON.stringify(first465));
      assert.equal(first465.stage, 'banner');

      // Port 25 has no AUTH and never asks Dovecot.
      const mx = await session(25, { tls: 'starttls', relay: { from: 'a@example.org', to: `postmaster@${server.name}.lab.test` } });
      assert.equal(mx.stage, 'done', JSON.stringify(mx));
      assert.equal(mx.relay?.accepted, true);
    });
  }
});
