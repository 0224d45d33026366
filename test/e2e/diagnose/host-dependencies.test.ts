// What smtpd needs from the host besides its ports, broken the way production breaks it on real
// Postfix: an expired certificate and a key from another pair, a chroot whose copy of /etc/hosts
// is stale, localhost answering ::1 first to an IPv4-only Postfix, a queue out of space. Each is
// named by diagnose — never "Healthy" where a client is refused.

import assert from 'node:assert/strict';
import { LabHost, injectCertificate, injectLocalhostV6First, injectQueueSpaceLow, injectStaleChrootCopies, link } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { diagnose } from './report.js';
import type { Finding, Report } from './report.js';

const found = (r: Report, cause: string): Finding | undefined => r.findings.find((f) => f.cause === cause);

describe('e2e diagnose: what smtpd needs from the host', function () {
  this.timeout(180_000);
  const hosts: Host[] = [];
  const make = async (name: string, postfix = true): Promise<Host> => {
    const h = await LabHost.create({ name, postfix });
    hosts.push(h);
    return h;
  };
  after(async () => {
    await Promise.all(hosts.map((h) => h.destroy()));
  });

  it('an expired certificate, and a key that is not the certificate\'s: each named with its file', async () => {
    const host = await make('hd-tls');
    const expired = await injectCertificate(host, 'expired');
    let { report } = await diagnose(host);
    let f = found(report, 'tls-certificate-problem');
    assert.match(f?.title ?? '', new RegExp(`TLS certificate ${expired.certificate.certFile.replace(/\./g, '\\.')} expired on`), JSON.stringify(report.findings, null, 1));
    await injectCertificate(host, 'key-mismatch', { name: 'mismatch' });
    ({ report } = await diagnose(host));
    f = found(report, 'tls-certificate-problem');
    assert.match(f?.title ?? '', /does not belong to certificate .*: smtpd answers STARTTLS with 454/);
  });

  it("a stale chroot copy of /etc/hosts: named, with what differs", async () => {
    const host = await make('hd-chroot');
    const peer = await make('hd-chroot-p', false);
    const net = await link(host, peer);
    await injectStaleChrootCopies(host, { peerAddr: net.bAddr });
    const { report } = await diagnose(host);
    const f = found(report, 'chroot-copies-stale');
    assert.ok(f, JSON.stringify(report.findings, null, 1));
    assert.ok(f.evidence.some((e) => /etc\/hosts: differs from \/etc\/hosts/.test(e)), f.evidence.join('\n'));
    assert.notEqual(report.status, 'healthy');
  });

  it('localhost resolving to ::1 first while Postfix listens on IPv4 only: said from the host, with both fixes', async () => {
    const host = await make('hd-lo6');
    await injectLocalhostV6First(host);
    const { report } = await diagnose(host);
    const f = found(report, 'localhost-resolves-ipv6');
    assert.equal(f?.status, 'warn', JSON.stringify(report.findings, null, 1));
    assert.match(f?.evidence.join('\n') ?? '', /localhost → ::1 first[\s\S]*inet_protocols = all[\s\S]*127\.0\.0\.1:25/);
    assert.equal(report.findings.some((x) => x.cause === 'localhost-resolves-ipv6' && 'human' in x), false, 'advice, never a task for a human');
  });

  it('a queue without the free space smtpd needs: the top cause, with the numbers', async () => {
    const host = await make('hd-space');
    await injectQueueSpaceLow(host, { variant: 'full-filesystem' });
    const { code, report } = await diagnose(host);
    assert.equal(report.topCause?.cause, 'queue-space-low', JSON.stringify(report.findings, null, 1));
    assert.match(found(report, 'queue-space-low')?.title ?? '', /free, less than the .* smtpd needs: every mail gets 452 4\.3\.1/);
    assert.equal(code, 4);
  });
});
