// "Healthy" is a claim about clients: a server that greets and then refuses every mail is never
// healthy. On real Postfix in lab hosts, with the refusals production sees (a lookup table never
// built, a milter and a policy service down), diagnose must follow the dialogue past the banner,
// name the refused stage with Postfix's reply, and quote the log line that explains it.

import assert from 'node:assert/strict';
import { LabHost, injectMilterDown, injectMissingMapDb, injectPolicyServiceDown, injectSmtpdFatalAtStartup, link, mailDialogue, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';
import { diagnose } from './report.js';
import type { Finding, Report } from './report.js';

const mailFindings = (r: Report): Finding[] => r.findings.filter((f) => f.check === 'smtp_mail');

describe('e2e diagnose: past the banner (mail to postmaster up to RCPT)', function () {
  this.timeout(180_000);
  const hosts: Host[] = [];
  const make = async (name: string): Promise<{ host: Host; peer: Host; net: LinkInfo }> => {
    const host = await LabHost.create({ name });
    const peer = await LabHost.create({ name: `${name}-p`, postfix: false });
    hosts.push(host, peer);
    return { host, peer, net: await link(host, peer) };
  };
  after(async () => {
    await Promise.all(hosts.map((h) => h.destroy()));
  });

  it('healthy: mail to postmaster is accepted from loopback and from the host\'s own address — and the peer agrees', async () => {
    const { host, peer, net } = await make('pb-ok');
    const { code, report } = await diagnose(host);
    const mail = mailFindings(report);
    assert.equal(mail.length, 2, JSON.stringify(mail, null, 1));
    assert.ok(mail.every((f) => f.status === 'ok' && /is accepted/.test(f.title)), JSON.stringify(mail, null, 1));
    assert.equal(report.status, 'healthy');
    assert.equal(code, 0);
    const fromPeer = await mailDialogue(peer, net.aAddr, { from: '', to: mail[0]?.title.match(/postmaster@\S+/)?.[0] ?? 'postmaster@invalid' });
    assert.equal(fromPeer.refusedAt, undefined, JSON.stringify(fromPeer));
  });

  it('a check_client_access map never postmapped: 451 at RCPT, named with the log line — not Healthy', async () => {
    const { host, peer, net } = await make('pb-map');
    await injectMissingMapDb(host, { variant: 'missing', restriction: 'client' });
    const seen = await mailDialogue(peer, net.aAddr, { from: '', to: 'postmaster@pb-map.lab.test' });
    assert.equal(seen.refusedAt, 'rcpt', 'the fault: the peer is greeted, then refused at RCPT');
    const { code, report } = await diagnose(host);
    assert.notEqual(report.status, 'healthy');
    assert.notEqual(code, 0);
    const refused = mailFindings(report).filter((f) => f.cause === 'mail-refused');
    assert.ok(refused.length > 0, JSON.stringify(report.findings, null, 1));
    const f = refused[0] as Finding;
    assert.match(f.title, /RCPT is refused with 451/);
    assert.ok(f.evidence.some((e) => /client_access.*(unavailable|open database)/.test(e)), f.evidence.join('\n'));
    // The symptom is explained by its cause, which ranks first: the table never built.
    assert.equal(report.topCause?.cause, 'lookup-table-not-built');
    const table = report.findings.find((x) => x.cause === 'lookup-table-not-built');
    assert.match(table?.title ?? '', /hash:\/etc\/postfix\/client_access was never built/);
  });

  it('a milter down (milter_default_action = tempfail): 451 at MAIL, with the milter warning', async () => {
    const { host } = await make('pb-milter');
    await injectMilterDown(host);
    const { report } = await diagnose(host);
    const f = mailFindings(report).find((x) => x.cause === 'mail-refused');
    assert.ok(f, JSON.stringify(report.findings, null, 1));
    assert.match(f.title, /MAIL is refused with 451/);
    assert.ok(f.evidence.some((e) => /Milter service/.test(e)), f.evidence.join('\n'));
    assert.notEqual(report.status, 'healthy');
    // Explained by its cause, ranked first: the milter, its parameter, where smtpd connects.
    assert.equal(report.topCause?.cause, 'milter-unreachable');
    const dep = report.findings.find((x) => x.cause === 'milter-unreachable') as Finding;
    assert.match(dep.title, /milter inet:localhost:8891 \(.*smtpd_milters.*\) does not answer \(usually opendkim\): ECONNREFUSED/);
  });

  it('a policy service down: 451 at RCPT, with the policy warning', async () => {
    const { host } = await make('pb-policy');
    await injectPolicyServiceDown(host);
    const { report } = await diagnose(host);
    const f = mailFindings(report).find((x) => x.cause === 'mail-refused');
    assert.ok(f, JSON.stringify(report.findings, null, 1));
    assert.match(f.title, /RCPT is refused with 451/);
    assert.ok(f.evidence.some((e) => /127\.0\.0\.1:10023/.test(e)), f.evidence.join('\n'));
    assert.notEqual(report.status, 'healthy');
    assert.equal(report.topCause?.cause, 'policy-service-unreachable');
  });

  it('smtpd dying at start-up: no banner, named by the fatal: line that killed it', async () => {
    const { host, peer, net } = await make('pb-fatal');
    await injectSmtpdFatalAtStartup(host);
    const seen = await smtpProbe(peer, net.aAddr, 25, 3_000);
    assert.notEqual(seen.kind, 'banner', 'the fault: no banner for the peer');
    const { code, report } = await diagnose(host);
    // The root (Dovecot's socket missing) ranks before its symptom (smtpd dying), which quotes the fatal line.
    assert.equal(report.topCause?.cause, 'sasl-backend-unreachable', JSON.stringify(report.findings, null, 1));
    const f = report.findings.find((x) => x.cause === 'smtpd-dies-at-startup') as Finding;
    assert.match(f.title, /fatal: no SASL authentication mechanisms/);
    // dependency-services answers the cause (7); on this host it is blocked, and `run` says why
    // and exits 4 (runbooks/dependency-services.test.ts).
    assert.equal(code, 7);
    assert.deepEqual(report.findings.find((x) => x.cause === 'sasl-backend-unreachable')?.title.match(/private\/auth/)?.[0], 'private/auth');
  });
});
