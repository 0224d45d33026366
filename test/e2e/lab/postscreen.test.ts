import assert from 'node:assert/strict';
import { injectPostscreen } from './faults.js';
import { LabHost } from './host.js';
import { link } from './peer.js';
import type { LinkInfo } from './peer.js';
import { smtpProbe, smtpSession } from './smtp.js';

const SHORT = 1_500;

// Port 25 handed to postscreen, judged by three clients: one on the denylist, one on the
// allowlist, one postscreen has never seen.
describe('lab: postscreen on port 25 (postconf -M), what clients are greeted with', function () {
  this.timeout(60_000);
  let server: LabHost;
  let denied: LabHost;
  let allowed: LabHost;
  let newcomer: LabHost;
  let toDenied: LinkInfo;
  let toAllowed: LinkInfo;
  let toNewcomer: LinkInfo;

  before(async function () {
    [server, denied, allowed, newcomer] = await Promise.all([
      LabHost.create({ name: 'pssrv' }),
      LabHost.create({ name: 'psdeny', postfix: false }),
      LabHost.create({ name: 'psallow', postfix: false }),
      LabHost.create({ name: 'psnew', postfix: false }),
    ]);
    toDenied = await link(server, denied);
    toAllowed = await link(server, allowed);
    toNewcomer = await link(server, newcomer);
  });
  after(async function () {
    await Promise.all([server?.destroy(), denied?.destroy(), allowed?.destroy(), newcomer?.destroy()]);
  });

  it('denylisted (drop): "521 5.3.2 Service currently unavailable" instead of a greeting', async function () {
    // Before: plain smtpd greets everyone.
    const before = await smtpProbe(denied, toDenied.aAddr, 25, SHORT);
    assert.equal(before.code, 220);

    const fault = await injectPostscreen(server, { deny: [toDenied.bAddr], allow: [toAllowed.bAddr], greetWait: '2s' });
    assert.deepEqual(fault.masterEntries.map((l) => l.split(/\s+/).join(' ')), [
      'smtp inet n - y - 1 postscreen',
      'smtpd pass - - y - - smtpd',
      'dnsblog unix - - y - 0 dnsblog',
      'tlsproxy unix - - y - 0 tlsproxy',
    ]);

    const refused = await smtpProbe(denied, toDenied.aAddr, 25, SHORT);
    assert.equal(refused.kind, 'banner');
    assert.equal(refused.code, 521);
    assert.equal(refused.banner, '521 5.3.2 Service currently unavailable');
    const session = await smtpSession(denied, toDenied.aAddr, 25, {});
    assert.equal(session.stage, 'banner');
    assert.equal(session.banner?.code, 521);
    const log = await server.readFile('/var/log/postfix.log');
    assert.match(log, new RegExp(`postfix/postscreen\\[\\d+\\]: DENYLISTED \\[${toDenied.bAddr.replace(/\./g, '\\.')}\\]:\\d+`));

    // Allowlisted: smtpd's own one-line greeting, no pregreet wait.
    const permitted = await smtpProbe(allowed, toAllowed.aAddr, 25, SHORT);
    assert.equal(permitted.banner, '220 pssrv.lab.test ESMTP Postfix (Debian/GNU)');
  });

  it('a client postscreen has not seen: a "220-" greeting that completes only after greet_wait, then cached', async function () {
    const first = await smtpProbe(newcomer, toNewcomer.aAddr, 25, 5_000);
    assert.equal(first.code, 220);
    // postscreen's "220-" line first; smtpd's "220 " after the pregreet test (greet_wait 2s).
    assert.equal(first.banner, '220-pssrv.lab.test ESMTP Postfix (Debian/GNU)\n220 pssrv.lab.test ESMTP Postfix (Debian/GNU)');
    assert.ok(first.ms >= 1_500, `${first.ms} ms`);
    assert.match(await server.readFile('/var/log/postfix.log'), /postscreen\[\d+\]: PASS NEW \[/);
    // Passed once: handed to smtpd at once from now on.
    const again = await smtpProbe(newcomer, toNewcomer.aAddr, 25, SHORT);
    assert.equal(again.banner, '220 pssrv.lab.test ESMTP Postfix (Debian/GNU)');
  });

  it('Postfix\'s default greet_wait (6 s) outlasts a 5 s banner read: an unknown client "gets no banner"', async function () {
    await injectPostscreen(server, { deny: [toDenied.bAddr] });
    // The allowlist entry is gone: the formerly allowed client is now unknown to postscreen.
    const probe = await smtpProbe(allowed, toAllowed.aAddr, 25, 5_000);
    assert.equal(probe.kind, 'banner-timeout', JSON.stringify(probe));
    const patient = await smtpProbe(allowed, toAllowed.aAddr, 25, 10_000);
    assert.equal(patient.code, 220, JSON.stringify(patient));
  });

  it('denylisted (enforce): an ordinary-looking greeting, then 550 5.3.2 for every recipient', async function () {
    await injectPostscreen(server, { deny: [toDenied.bAddr], denyAction: 'enforce', greetWait: '1s' });
    const session = await smtpSession(denied, toDenied.aAddr, 25, {
      relay: { from: 'someone@peer.test', to: 'postmaster@pssrv.lab.test' },
    });
    assert.equal(session.banner?.code, 220);
    assert.equal(session.relay?.stage, 'rcpt');
    assert.equal(session.relay?.text, '550 5.3.2 Service currently unavailable');
  });
});
