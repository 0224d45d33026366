import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { makeCertificate, useCertificate } from './certs.js';
import type { LabCertificate } from './certs.js';
import { injectCertificate, injectRenewedNotReloaded } from './faults.js';
import { LabHost } from './host.js';
import { link } from './peer.js';
import { postfixReload } from './postfix-control.js';
import { smtpSession } from './smtp.js';
import type { SessionResult } from './smtp.js';
import { enableSubmission } from './submission.js';

const DAY_MS = 86_400_000;

// One server (25 with STARTTLS, 465 with TLS first) and one client; each test puts another
// certificate into service and judges what the client is served.
describe('lab: TLS certificates made with openssl, judged by a client', function () {
  this.timeout(60_000);
  let server: LabHost;
  let client: LabHost;
  let addr: string;

  before(async function () {
    [server, client] = await Promise.all([LabHost.create({ name: 'tlssrv' }), LabHost.create({ name: 'tlscli', postfix: false })]);
    addr = (await link(server, client)).aAddr;
    await enableSubmission(server, { services: ['submissions'] });
  });
  after(async function () {
    await Promise.all([server?.destroy(), client?.destroy()]);
  });

  const starttls = () => smtpSession(client, addr, 25, { tls: 'starttls' });
  const implicit = () => smtpSession(client, addr, 465, { tls: 'implicit' });

  function assertServed(session: SessionResult, cert: LabCertificate): void {
    assert.equal(session.tls?.certificate?.fingerprint256, cert.fingerprint256, JSON.stringify(session));
  }

  it('valid: CN and SAN are the host\'s FQDN; served on 25 after STARTTLS and on 465', async function () {
    const cert = await makeCertificate(server);
    assert.equal(cert.commonName, 'tlssrv.lab.test');
    assert.equal(cert.key, 'matches');
    assert.equal(cert.certFile, '/etc/ssl/lab/valid.pem');
    assert.equal((await server.execOk(['stat', '-c', '%a %U', cert.keyFile])).stdout.trim(), '600 root');
    await useCertificate(server, cert);
    const onPort25 = await starttls();
    assertServed(onPort25, cert);
    const served = onPort25.tls?.certificate;
    assert.equal(served?.subject, 'CN=tlssrv.lab.test');
    assert.equal(served?.subjectAltName, 'DNS:tlssrv.lab.test');
    assert.ok((served?.validTo.getTime() ?? 0) > Date.now() + 360 * DAY_MS);
    assert.ok(onPort25.ehloTls, 'EHLO after TLS answered');
    assertServed(await implicit(), cert);
  });

  it('expiring in 5 days: served as it is', async function () {
    const { certificate } = await injectCertificate(server, 'expiring', { days: 5 });
    const served = (await starttls()).tls?.certificate;
    assert.equal(served?.fingerprint256, certificate.fingerprint256);
    const left = (served?.validTo.getTime() ?? 0) - Date.now();
    assert.ok(left > 4 * DAY_MS && left <= 5 * DAY_MS, `${left / DAY_MS} days left`);
  });

  it('expired (signed by the lab CA with past dates): served as it is, openssl calls it expired', async function () {
    const { certificate } = await injectCertificate(server, 'expired', { expiredDaysAgo: 30 });
    assert.equal(certificate.issuer, 'CN=postfix-fix lab CA');
    assert.ok(certificate.caFile);
    assert.ok(certificate.notAfter.getTime() < Date.now() - 29 * DAY_MS, certificate.notAfter.toISOString());
    const checkend = await server.exec(['openssl', 'x509', '-checkend', '0', '-noout', '-in', certificate.certFile]);
    assert.equal(checkend.code, 1);
    assert.match(checkend.stdout, /Certificate will expire/);
    const verify = await server.exec(['openssl', 'verify', '-CAfile', certificate.caFile ?? '', certificate.certFile]);
    assert.match(verify.stdout + verify.stderr, /certificate has expired/);
    const session = await starttls();
    assertServed(session, certificate);
    assert.ok((session.tls?.certificate?.validTo.getTime() ?? Infinity) < Date.now());
    assertServed(await implicit(), certificate);
  });

  it('key-mismatch: STARTTLS offered, then 454 "TLS not available due to local problem"; 465 handshake reset', async function () {
    const { certificate } = await injectCertificate(server, 'key-mismatch');
    assert.equal(certificate.key, 'mismatch');
    const session = await starttls();
    assert.ok(session.ehlo?.extensions.includes('STARTTLS'), 'still advertised');
    assert.equal(session.stage, 'starttls');
    assert.equal(session.starttls?.code, 454);
    assert.equal(session.starttls?.text, '454 4.7.0 TLS not available due to local problem');
    const log = await server.readFile('/var/log/postfix.log');
    assert.match(log, /warning: TLS library problem: .*key values mismatch/);
    assert.match(log, /disabling TLS support/);
    // 465 (wrappermode) has no plaintext to fall back to: the handshake is reset.
    const smtps = await implicit();
    assert.equal(smtps.kind, 'tls-error', JSON.stringify(smtps));
    assert.match(smtps.tls?.error ?? '', /Connection reset by peer/);
  });

  it('key-missing (certbot live/ symlink into a removed archive): same 454 as a mismatch', async function () {
    const { certificate } = await injectCertificate(server, 'key-missing');
    assert.equal(certificate.key, 'missing');
    assert.match(certificate.keyFile, /\/live\/key-missing\/privkey\.pem$/);
    assert.equal((await server.exec(['test', '-L', certificate.keyFile])).code, 0);
    assert.notEqual((await server.exec(['test', '-e', certificate.keyFile])).code, 0, 'dangling');
    const session = await starttls();
    assert.equal(session.starttls?.code, 454);
    assert.match(await server.readFile('/var/log/postfix.log'), /calling fopen\(\/etc\/ssl\/lab\/live\/key-missing\/privkey\.pem, r\)/);
  });

  it('key-unreadable (mode 0000, nobody): still served, since smtpd reads its key as root', async function () {
    const { certificate } = await injectCertificate(server, 'key-unreadable');
    assert.equal((await server.execOk(['stat', '-c', '%a %U:%G', certificate.keyFile])).stdout.trim(), '0 nobody:nogroup');
    const asPostfix = await server.exec(['su', '-s', '/bin/sh', 'postfix', '-c', `cat ${certificate.keyFile}`]);
    assert.notEqual(asPostfix.code, 0, 'the postfix user cannot read it');
    assertServed(await starttls(), certificate);
  });

  it('renewed on disk, not reloaded: clients keep getting the old certificate until a reload', async function () {
    const fault = await injectRenewedNotReloaded(server, { ports: [{ port: 25, tls: 'starttls' }, { port: 465, tls: 'implicit' }] });
    assert.equal(fault.onDisk.certFile, fault.served.certFile);
    assert.notEqual(fault.onDisk.fingerprint256, fault.served.fingerprint256);
    assert.equal(fault.maxIdleSeconds, 100);
    const onDisk = new X509Certificate(await server.readFile(fault.served.certFile));
    assert.equal(onDisk.fingerprint256, fault.onDisk.fingerprint256);
    for (let i = 0; i < 3; i++) assertServed(await starttls(), fault.served);
    assertServed(await implicit(), fault.served);

    // The reload replaces every smtpd (postfixReload waits for the old ones to exit).
    await postfixReload(server);
    assertServed(await starttls(), fault.onDisk);
    assertServed(await implicit(), fault.onDisk);
  });
});
