// A certificate renewed on disk (a new key and certificate moved over the files Postfix names, as
// certbot does) while Postfix was not reloaded: the live smtpd processes keep serving the old one.
// Real openssl certificates, real Postfix, judged from a peer by the fingerprint STARTTLS serves.
// The fix is a reload (low risk): it cannot be undone, and the plan and the rollback say so.
import assert from 'node:assert/strict';
import { LabHost, injectRenewedNotReloaded, link, runCli, smtpSession } from '../lab/index.js';
import type { Host, LinkInfo, RenewedNotReloadedFault } from '../lab/index.js';

interface Finding {
  status: string;
  cause?: string;
  title: string;
  evidence: string[];
}

describe('e2e: tls-reload (renewed on disk, not reloaded)', function () {
  this.timeout(240_000);
  let host: Host;
  let peer: Host;
  let net: LinkInfo;
  let fault: RenewedNotReloadedFault;
  const served = async (): Promise<string | undefined> => (await smtpSession(peer, net.aAddr, 25, { tls: 'starttls' })).tls?.certificate?.fingerprint256;

  before(async () => {
    host = await LabHost.create({ name: 'tlsreload' });
    peer = await LabHost.create({ name: 'tlsreload-p', postfix: false });
    net = await link(host, peer);
    fault = await injectRenewedNotReloaded(host);
  });
  after(async () => {
    await peer?.destroy();
    await host?.destroy();
  });

  it('the fault: the peer is served the old certificate, not the one on disk', async () => {
    assert.notEqual(fault.served.fingerprint256, fault.onDisk.fingerprint256);
    assert.equal(await served(), fault.served.fingerprint256);
  });

  it('diagnose names it, with both certificates and the smtpd processes older than the file', async () => {
    const r = await runCli(host, ['diagnose', '--json', '--offline']);
    const report = r.json as { topCause: { cause: string } | null; findings: Finding[] };
    const f = report.findings.find((x) => x.cause === 'tls-certificate-not-reloaded');
    assert.ok(f, JSON.stringify(report.findings.filter((x) => x.status !== 'ok'), null, 1));
    assert.equal(f.status, 'warn');
    assert.equal(report.topCause?.cause, 'tls-certificate-not-reloaded');
    assert.equal(r.code, 7);
    const text = f.evidence.join('\n');
    assert.ok(text.includes(`on disk: sha256 ${fault.onDisk.fingerprint256.slice(0, 11)}`), text);
    assert.match(text, /smtpd process\(es\) of smtp\/inet started before the file was written/);
  });

  it('plan: a reload, low risk, that cannot be undone — and nothing changes', async () => {
    // Which smtpd a client gets depends on who is idle (diagnose's own dials start fresh ones), so
    // "nothing changed" is judged by the processes: a reload would end the old smtpd.
    const oldSmtpd = (await host.execOk(['pgrep', '-x', '-o', 'smtpd'])).stdout.trim();
    const r = await runCli(host, ['plan', '--offline']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Runbook tls-reload/);
    assert.match(r.stdout, /~ postfix reload/);
    assert.match(r.stdout, /risk low/);
    assert.match(r.stdout, /undo: cannot be undone: a reload writes no file/);
    assert.equal((await host.exec(['kill', '-0', oldSmtpd])).code, 0, `the smtpd serving the old certificate (pid ${oldSmtpd}) is still there`);
  });

  it('run --yes reloads: the peer is served the certificate on disk', async () => {
    const r = await runCli(host, ['run', '--yes', '--json', '--offline'], { timeoutMs: 120_000 });
    const report = r.json as { status: string; verifications: Array<{ name: string; ok: boolean | null }> };
    assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
    assert.equal(report.status, 'changed');
    assert.ok(report.verifications.every((v) => v.ok === true), JSON.stringify(report.verifications));
    for (let i = 0; i < 3; i++) assert.equal(await served(), fault.onDisk.fingerprint256);
  });

  it('a second run changes nothing', async () => {
    const r = await runCli(host, ['run', '--yes', '--json', '--offline', '--detailed-exitcodes']);
    assert.equal((r.json as { status: string }).status, 'nothing-to-do', r.stdout);
    assert.equal(r.code, 0);
  });

  it('rollback says the reload cannot be undone, and leaves the renewed certificate served', async () => {
    const r = await runCli(host, ['rollback', '--last']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /cannot be undone: a reload writes no file/);
    assert.equal(await served(), fault.onDisk.fingerprint256);
  });
});
