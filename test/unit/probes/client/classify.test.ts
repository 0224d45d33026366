// What a client's dial means from outside: each outcome, the causes that fit, and how the other
// mail ports of the same address narrow them. Dial results as the dialer returns them (their
// shapes are proven on real sockets in test/unit/exec/dial.test.ts and on lab hosts in
// test/e2e/cli/probe.test.ts).
import assert from 'node:assert/strict';
import { classifyDials, outcomeOf } from '../../../../src/probes/client/classify.js';
import { isKnownCause } from '../../../../src/probes/causes.js';
import type { DialResult } from '../../../../src/core/dial.js';
import type { PortDial } from '../../../../src/exec/client/dial-all.js';
import type { PortVerdict } from '../../../../src/probes/client/types.js';

const A = '192.0.2.10';
const NOW = Date.parse('2026-06-01T00:00:00Z');
const d = (port: number, r: Partial<DialResult> & Pick<DialResult, 'outcome'>, refusal?: PortDial['refusal']): PortDial => ({
  address: A,
  port,
  host: 'mx.example.org',
  via: 'mx',
  servername: 'mx.example.org',
  result: { host: A, port, ms: 3, ...r },
  ...(refusal ? { refusal } : {}),
});
const greets = (port: number): PortDial => d(port, { outcome: 'banner', code: 220, banner: '220 mx.example.org ESMTP Postfix', connectMs: 1 });
const reset = (port: number): PortDial => d(port, { outcome: 'refused', detail: 'ECONNREFUSED' }, 'reset');
const icmp = (port: number): PortDial => d(port, { outcome: 'refused', detail: 'ECONNREFUSED' }, 'icmp');
const one = (dial: PortDial, context: PortDial[] = []): PortVerdict => classifyDials({ dials: [dial], context, now: NOW })[0] as PortVerdict;
const ids = (v: PortVerdict): Array<string | undefined> => v.causes.map((c) => c.cause);

describe('probes/client/classify: outcomes, meanings, causes that fit', () => {
  it('maps every dial result onto the six outcomes', () => {
    const r = (x: Partial<DialResult> & Pick<DialResult, 'outcome'>): DialResult => ({ host: A, port: 25, ms: 1, ...x });
    assert.equal(outcomeOf(r({ outcome: 'banner', code: 220 })), 'banner');
    assert.equal(outcomeOf(r({ outcome: 'banner', code: 554 })), 'rejected');
    assert.equal(outcomeOf(r({ outcome: 'banner', code: 421 })), 'rejected');
    assert.equal(outcomeOf(r({ outcome: 'banner', code: 0, banner: 'SSH-2.0-OpenSSH_9.2' })), 'no-banner');
    assert.equal(outcomeOf(r({ outcome: 'refused' }), 'reset'), 'refused');
    assert.equal(outcomeOf(r({ outcome: 'refused' }), 'unknown'), 'refused');
    assert.equal(outcomeOf(r({ outcome: 'refused' }), 'icmp'), 'unreachable');
    assert.equal(outcomeOf(r({ outcome: 'unreachable', detail: 'EHOSTUNREACH' })), 'unreachable');
    assert.equal(outcomeOf(r({ outcome: 'timeout' })), 'timeout');
    assert.equal(outcomeOf(r({ outcome: 'banner-timeout', connectMs: 1 })), 'no-banner');
    assert.equal(outcomeOf(r({ outcome: 'error', connectMs: 1, detail: 'closed by the server before any greeting' })), 'no-banner');
    assert.equal(outcomeOf(r({ outcome: 'error', detail: 'EADDRNOTAVAIL' })), 'unreachable');
  });

  it('a greeting: the name it gives and the MTA; STARTTLS and the certificate; nothing to blame', () => {
    const cert = { subject: 'CN=mx.example.org', commonName: 'mx.example.org', altNames: ['mx.example.org'], issuer: 'CN=R3', notBefore: '2026-03-01T00:00:00.000Z', notAfter: '2026-06-10T12:00:00.000Z', fingerprint256: 'AA', selfSigned: false };
    const v = one(d(25, { outcome: 'banner', code: 220, banner: '220 mx.example.org ESMTP Postfix (Debian/GNU)', ehloTls: ['PIPELINING', 'AUTH PLAIN LOGIN'], tls: { mode: 'starttls', offered: true, ok: true, protocol: 'TLSv1.3', certificate: cert, trusted: true, nameMatches: true } }));
    assert.deepEqual([v.outcome, v.greets, v.name, v.software], ['banner', true, 'mx.example.org', 'Postfix']);
    assert.equal(v.meaning, 'greets as mx.example.org (Postfix).');
    assert.deepEqual(v.causes, []);
    assert.equal(v.tls?.certificate?.daysLeft, 9);
    assert.deepEqual(v.tls?.auth, ['PLAIN', 'LOGIN']);
    assert.deepEqual(v.warnings, ['the certificate expires in 9 day(s) (2026-06-10)']);
  });

  it('a greeting without STARTTLS, with a broken STARTTLS, with an expired certificate: warnings, still greets', () => {
    assert.match(one(d(25, { outcome: 'banner', code: 220, banner: '220 x', tls: { mode: 'starttls', offered: false, ok: false } })).warnings[0] ?? '', /STARTTLS is not offered \(starttls-missing\)/);
    assert.match(one(d(25, { outcome: 'banner', code: 220, banner: '220 x', tls: { mode: 'starttls', offered: true, ok: false, detail: '454 4.7.0 TLS not available due to local problem' } })).warnings[0] ?? '', /TLS does not work: 454 .*cannot load its certificate or key/);
    const expired = { subject: 'CN=x', commonName: 'x', altNames: [], issuer: 'CN=ca', notBefore: '2025-01-01T00:00:00.000Z', notAfter: '2026-05-01T00:00:00.000Z', fingerprint256: 'AA', selfSigned: false };
    const v = one(d(465, { outcome: 'banner', code: 220, banner: '220 x', tls: { mode: 'implicit', offered: true, ok: true, certificate: expired } }));
    assert.ok(v.greets);
    assert.deepEqual(v.warnings, ['the certificate expired 31 day(s) ago (2026-05-01)']);
  });

  it('another MTA greets: said, in case this should be Postfix', () => {
    const v = one(d(25, { outcome: 'banner', code: 220, banner: '220 mx.example.org ESMTP Exim 4.96' }));
    assert.equal(v.software, 'Exim');
    assert.match(v.evidence.join('\n'), /names Exim, not Postfix.*port-held-by-mta/);
  });

  it('--relay-test: refused is as it should be; accepted is an open relay, a warning', () => {
    const refused = one(d(25, { outcome: 'banner', code: 220, banner: '220 x', dialogue: [{ command: 'EHLO', code: 250, text: '250 x' }, { command: 'MAIL', code: 250, text: '250 2.1.0 Ok' }, { command: 'RCPT', code: 554, text: '554 5.7.1 <relay-test@example.net>: Relay access denied' }] }));
    assert.deepEqual([refused.relay?.verdict, refused.relay?.stage, refused.relay?.code], ['refused', 'RCPT', 554]);
    assert.deepEqual(refused.warnings, []);
    const open = one(d(25, { outcome: 'banner', code: 220, banner: '220 x', dialogue: [{ command: 'EHLO', code: 250, text: '250 x' }, { command: 'MAIL', code: 250, text: '250 2.1.0 Ok' }, { command: 'RCPT', code: 250, text: '250 2.1.5 Ok' }] }));
    assert.equal(open.relay?.verdict, 'accepted');
    assert.match(open.warnings[0] ?? '', /^OPEN RELAY/);
    const greylisted = one(d(25, { outcome: 'banner', code: 220, banner: '220 x', dialogue: [{ command: 'EHLO', code: 250, text: '250 x' }, { command: 'MAIL', code: 250, text: '250 Ok' }, { command: 'RCPT', code: 450, text: '450 4.2.0 Greylisted' }] }));
    assert.equal(greylisted.relay?.verdict, 'deferred');
    const debianDefault = one(d(25, { outcome: 'banner', code: 220, banner: '220 x', dialogue: [{ command: 'EHLO', code: 250, text: '250 x' }, { command: 'MAIL', code: 250, text: '250 Ok' }, { command: 'RCPT', code: 454, text: '454 4.7.1 <relay-test@example.net>: Relay access denied' }] }));
    assert.equal(debianDefault.relay?.verdict, 'refused', "defer_unauth_destination's 454 is a refusal to relay");
  });

  it('a 554 greeting: rejected, Postfix refusing the client at connect time first', () => {
    const v = one(d(25, { outcome: 'banner', code: 554, banner: '554 5.7.1 <unknown[10.0.0.2]>: Client host rejected: Access denied', connectMs: 1 }));
    assert.equal(v.outcome, 'rejected');
    assert.ok(!v.greets);
    assert.equal(ids(v)[0], 'smtp-banner-rejects');
    const ps = one(d(25, { outcome: 'banner', code: 521, banner: '521 5.3.2 Service currently unavailable' }));
    assert.match(ps.causes[0]?.text ?? '', /^postscreen/);
  });

  it('a reset with every mail port reset alike: stopped, loopback-only, service disabled, firewall reset — all fit', () => {
    const v = one(reset(25), [reset(465), reset(587)]);
    assert.equal(v.outcome, 'refused');
    assert.deepEqual(ids(v).slice(0, 4), ['postfix-stopped', 'loopback-only', 'smtp-service-disabled', 'firewall-blocks-smtp']);
    assert.match(v.causes.at(-1)?.text ?? '', /not the mail server/);
    assert.match(v.evidence.join('\n'), /every mail port of this address is refused the same way/);
  });

  it('a reset on 25 while 587 greets: Postfix runs there, so a firewall reset or a disabled smtp service', () => {
    const v = one(reset(25), [reset(465), greets(587)]);
    assert.deepEqual(ids(v), ['smtp-service-disabled', 'firewall-blocks-smtp']);
    assert.match(v.evidence.join('\n'), /runs and listens on this address: port 587 greets/);
  });

  it('a reset on 587 alone: submission not enabled comes with it', () => {
    const v = one(reset(587), [greets(25)]);
    assert.match(v.causes[0]?.text ?? '', /submission service \(port 587\) is not enabled/);
  });

  it('an ICMP port-unreachable on all three mail ports: a ban of this client first (fail2ban)', () => {
    const v = one(icmp(25), [icmp(465), icmp(587)]);
    assert.equal(v.outcome, 'unreachable');
    assert.equal(v.refusal, 'icmp');
    assert.match(v.meaning, /ICMP port-unreachable, not a TCP reset: a firewall rule/);
    assert.match(v.causes[0]?.text ?? '', /ban of this machine's address: fail2ban/);
    assert.match(v.evidence.join('\n'), /ports 25, 465 and 587 are all rejected this way: the pattern of a ban/);
  });

  it('an ICMP port-unreachable on 25 only: a REJECT rule for the port first', () => {
    const v = one(icmp(25), [reset(465), reset(587)]);
    assert.equal(ids(v)[0], 'firewall-blocks-smtp');
    assert.match(v.evidence.join('\n'), /only port 25 is rejected this way/);
  });

  it('admin-prohibited (nftables/firewalld reject): a firewall; with the other ports answering, the host is up', () => {
    const alone = one(d(25, { outcome: 'unreachable', detail: 'EHOSTUNREACH' }), [d(465, { outcome: 'unreachable', detail: 'EHOSTUNREACH' })]);
    assert.equal(ids(alone)[0], 'firewall-blocks-smtp');
    assert.ok(alone.causes.some((c) => /host is down/.test(c.text)));
    const up = one(d(25, { outcome: 'unreachable', detail: 'EHOSTUNREACH' }), [reset(465), reset(587)]);
    assert.ok(!up.causes.some((c) => /host is down/.test(c.text)));
    assert.match(up.evidence.join('\n'), /the host is up: ports 465 and 587 on this address answer/);
  });

  it('no route from here, or this machine\'s own firewall: the client side, not the server', () => {
    assert.match(one(d(25, { outcome: 'unreachable', detail: 'ENETUNREACH' })).meaning, /this machine has no route/);
    assert.match(one(d(25, { outcome: 'unreachable', detail: 'EPERM' })).meaning, /this machine's own firewall/);
    const v6 = classifyDials({ dials: [{ ...d(25, { outcome: 'unreachable', detail: 'EACCES' }), address: '2001:db8::10' }], context: [], now: NOW })[0] as PortVerdict;
    assert.match(v6.meaning, /administratively prohibited \(EACCES\): a firewall rejects it, on the server, on the way, or on this machine/, 'ICMPv6 admin-prohibited arrives as EACCES');
  });

  it('dropped: a DROP rule, a provider firewall, an ISP blocking 25; narrowed when another port answers', () => {
    const v = one(d(25, { outcome: 'timeout', detail: 'no answer to the connection attempt within 3000 ms' }), [d(465, { outcome: 'timeout' }), d(587, { outcome: 'timeout' })]);
    assert.equal(v.outcome, 'timeout');
    assert.match(v.meaning, /\(3000 ms\): packets to port 25 are dropped/);
    assert.equal(ids(v)[0], 'firewall-blocks-smtp');
    assert.ok(v.causes.some((c) => /security group/.test(c.text)) && v.causes.some((c) => /ISPs/.test(c.text)) && v.causes.some((c) => /host is down/.test(c.text)));
    const onlyThis = one(d(25, { outcome: 'timeout' }), [greets(587)]);
    assert.ok(!onlyThis.causes.some((c) => /host is down/.test(c.text)));
    assert.match(onlyThis.evidence.join('\n'), /only port 25 is dropped/);
    assert.ok(!one(d(587, { outcome: 'timeout' })).causes.some((c) => /ISPs/.test(c.text)), 'ISPs block 25, not 587');
  });

  it('connects, never greets: smtpd waiting, a foreign program, smtpd dying; a TLS failure on 465 points at the certificate', () => {
    const silent = one(d(25, { outcome: 'banner-timeout', connectMs: 1, detail: 'no greeting within 4000 ms' }));
    assert.equal(silent.outcome, 'no-banner');
    assert.match(silent.meaning, /no greeting came within 4000 ms/);
    assert.deepEqual(ids(silent), ['smtp-no-banner', 'port-held-by-unknown', 'smtpd-dies-at-startup']);
    const closed = one(d(25, { outcome: 'error', connectMs: 1, detail: 'closed by the server before any greeting' }));
    assert.equal(ids(closed)[0], 'smtpd-dies-at-startup');
    const tls = one(d(465, { outcome: 'error', connectMs: 1, detail: 'TLS handshake failed: ECONNRESET' }));
    assert.match(tls.meaning, /TLS handshake failed \(ECONNRESET\): port 465 speaks TLS from the first byte/);
    assert.match(tls.causes[0]?.text ?? '', /certificate or key/);
    const ssh = one(d(25, { outcome: 'banner', code: 0, banner: 'SSH-2.0-OpenSSH_9.2', connectMs: 1 }));
    assert.match(ssh.meaning, /not with an SMTP greeting: "SSH-2.0/);
  });

  it('every cause id named is one diagnose knows', () => {
    const all = [
      one(reset(25)), one(reset(25), [greets(587)]), one(icmp(25)), one(d(25, { outcome: 'unreachable', detail: 'EHOSTUNREACH' })),
      one(d(25, { outcome: 'timeout' })), one(d(25, { outcome: 'banner-timeout', connectMs: 1 })), one(d(25, { outcome: 'banner', code: 554, banner: '554 no' })),
    ];
    for (const v of all) for (const c of v.causes) if (c.cause) assert.ok(isKnownCause(c.cause), c.cause);
  });
});
