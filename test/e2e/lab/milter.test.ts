import assert from 'node:assert/strict';
import { injectMilterDown, wireMilter } from './faults.js';
import type { Host } from './host-types.js';
import { LabHost } from './host.js';
import { NspawnHost } from './nspawn.js';
import { link } from './peer.js';
import { postconfGet, postfixLog, waitForPostfixLog } from './postfix-control.js';
import { milterAnswers, startOpendkim } from './services.js';
import { mailDialogue, sendMail } from './smtp.js';
import type { MailDialogue } from './smtp.js';

const SKIP_NSPAWN = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';

async function toPostmaster(server: Host): Promise<{ from: string; to: string }> {
  return { from: 'sender@peer.test', to: `postmaster@${await postconfGet(server, 'myhostname')}` };
}

// What a peer sees when the milter is down: the banner and EHLO are normal, MAIL FROM is
// refused with a temporary error (Postfix defers the CONNECT/EHLO-stage milter verdict to
// MAIL FROM, as it does with smtpd_delay_reject).
function assertMilterTempfail(d: MailDialogue): void {
  assert.equal(d.connect, 'connected', JSON.stringify(d));
  assert.match(d.replies.banner?.text ?? '', /^220 .* ESMTP Postfix/);
  assert.equal(d.replies.ehlo?.code, 250, JSON.stringify(d));
  assert.equal(d.refusedAt, 'mail', JSON.stringify(d));
  assert.equal(d.replies.mail?.text, '451 4.7.1 Service unavailable - try again later');
  assert.equal(d.replies.rcpt, undefined);
}

describe('lab: a milter smtpd depends on (OpenDKIM)', function () {
  let peer: LabHost;
  before(async function () {
    peer = await LabHost.create({ name: 'mtpeer', postfix: false });
  });
  after(async function () {
    await peer?.destroy();
  });

  describe('namespace host', function () {
    let server: LabHost;
    let addr: string;
    let n = 0;
    beforeEach(async function () {
      server = await LabHost.create({ name: `mtsrv${n++}` });
      addr = (await link(server, peer)).aAddr;
    });
    afterEach(async function () {
      await server?.destroy();
    });

    it('opendkim running and wired in: a peer\'s message goes through the milter', async function () {
      const dkim = await startOpendkim(server);
      assert.equal(dkim.postfixMilter, 'inet:localhost:8891');
      await wireMilter(server, dkim);
      const sent = await sendMail(peer, addr, 25, await toPostmaster(server));
      assert.equal(sent.accepted, true, JSON.stringify(sent));
      // smtpd reached the milter at every stage (it logs a warning for any it could not).
      assert.doesNotMatch(await postfixLog(server), /Milter service|milter-reject/);
    });

    it('opendkim stopped (inet:8891@localhost): banner fine, 451 4.7.1 at MAIL FROM', async function () {
      const fault = await injectMilterDown(server);
      assert.equal(fault.smtpdMilters, 'inet:localhost:8891');
      assert.equal(await milterAnswers(server, fault.milter.socket), false);
      const d = await mailDialogue(peer, addr, await toPostmaster(server));
      assertMilterTempfail(d);
      const log = await postfixLog(server);
      assert.match(log, /warning: connect to Milter service inet:localhost:8891: Connection refused/);
      assert.match(log, /NOQUEUE: milter-reject: MAIL from unknown\[[\d.]+\]: 451 4\.7\.1 Service unavailable - try again later/);
      console.log(`      peer sees: ${d.replies.mail?.text} (banner ${d.replies.banner?.ms} ms, MAIL ${d.replies.mail?.ms} ms)`);
    });

    it('opendkim stopped (unix socket in the chroot): same reply, "No such file or directory"', async function () {
      const fault = await injectMilterDown(server, { socket: 'local:/var/spool/postfix/opendkim/opendkim.sock' });
      assert.equal(fault.smtpdMilters, 'unix:/opendkim/opendkim.sock');
      const d = await mailDialogue(peer, addr, await toPostmaster(server));
      assertMilterTempfail(d);
      await waitForPostfixLog(server, /warning: connect to Milter service unix:\/opendkim\/opendkim\.sock: No such file or directory/);
    });
  });

  describe('systemd host: opendkim.service', function () {
    let server: NspawnHost;
    let addr: string;
    before(async function () {
      if (SKIP_NSPAWN) this.skip();
      this.timeout(120_000);
      server = await NspawnHost.create({ name: 'mtnsp' });
      addr = (await link(server, peer)).aAddr;
    });
    after(async function () {
      await server?.destroy();
    });

    it('boots with opendkim installed, configured for inet:8891@localhost, and not started', async function () {
      assert.match(await server.readFile('/etc/opendkim.conf'), /^Socket\s+inet:8891@localhost$/m);
      assert.equal((await server.exec(['systemctl', 'is-enabled', 'opendkim.service'])).stdout.trim(), 'disabled');
      assert.equal((await server.exec(['systemctl', 'is-active', 'opendkim.service'])).stdout.trim(), 'inactive');
    });

    it('opendkim.service started and wired in: a peer\'s message goes through', async function () {
      this.timeout(60_000);
      const dkim = await startOpendkim(server);
      await wireMilter(server, dkim);
      const sent = await sendMail(peer, addr, 25, await toPostmaster(server));
      assert.equal(sent.accepted, true, JSON.stringify(sent));
      assert.match((await server.execOk(['journalctl', '-u', 'opendkim.service', '--no-pager'])).stdout, /OpenDKIM Filter v[\d.]+ starting/);
      assert.doesNotMatch(await postfixLog(server), /Milter service|milter-reject/);
    });

    it('opendkim stopped and disabled: banner fine, 451 4.7.1 at MAIL FROM, journal names the milter', async function () {
      this.timeout(60_000);
      const fault = await injectMilterDown(server, { disable: true });
      assert.equal(fault.disabled, true);
      assert.equal((await server.exec(['systemctl', 'is-enabled', 'opendkim.service'])).stdout.trim(), 'disabled');
      assert.equal((await server.exec(['systemctl', 'is-active', 'opendkim.service'])).stdout.trim(), 'inactive');
      const d = await mailDialogue(peer, addr, await toPostmaster(server));
      assertMilterTempfail(d);
      await waitForPostfixLog(server, /warning: connect to Milter service inet:localhost:8891: Connection refused/);
    });
  });
});
