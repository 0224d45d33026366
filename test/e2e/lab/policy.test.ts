import assert from 'node:assert/strict';
import { injectPolicyServiceDown, wirePolicyService } from './faults.js';
import type { Host } from './host-types.js';
import { LabHost } from './host.js';
import { NspawnHost } from './nspawn.js';
import { link } from './peer.js';
import { postconfGet, postfixLog, waitForPostfixLog } from './postfix-control.js';
import { policyAnswer, startPostgrey } from './services.js';
import { mailDialogue } from './smtp.js';
import type { MailDialogue } from './smtp.js';

const SKIP_NSPAWN = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';
const RCPT_DOWN = /^451 4\.3\.5 <postmaster@[^>]+>: Recipient address rejected: Server configuration problem$/;

async function mailTo(server: Host, user: string): Promise<{ from: string; to: string }> {
  return { from: 'sender@peer.test', to: `${user}@${await postconfGet(server, 'myhostname')}` };
}

function assertPolicyDown(d: MailDialogue): void {
  assert.equal(d.connect, 'connected', JSON.stringify(d));
  assert.match(d.replies.banner?.text ?? '', /^220 .* ESMTP Postfix/);
  assert.equal(d.replies.ehlo?.code, 250);
  assert.equal(d.replies.mail?.text, '250 2.1.0 Ok');
  assert.equal(d.refusedAt, 'rcpt', JSON.stringify(d));
  assert.match(d.replies.rcpt?.text ?? '', RCPT_DOWN);
}

describe('lab: a policy service smtpd depends on (postgrey)', function () {
  let peer: LabHost;
  before(async function () {
    peer = await LabHost.create({ name: 'plpeer', postfix: false });
  });
  after(async function () {
    await peer?.destroy();
  });

  describe('namespace host', function () {
    let server: LabHost;
    let addr: string;
    let n = 0;
    beforeEach(async function () {
      server = await LabHost.create({ name: `plsrv${n++}` });
      addr = (await link(server, peer)).aAddr;
    });
    afterEach(async function () {
      await server?.destroy();
    });

    it('postgrey running and wired in: it greylists a new triplet, whitelists postmaster', async function () {
      const grey = await startPostgrey(server);
      assert.equal(grey.policyService, 'inet:127.0.0.1:10023');
      assert.equal(await policyAnswer(server, grey.address, grey.port), 'action=DUNNO');
      await wirePolicyService(server, grey);
      const greylisted = await mailDialogue(peer, addr, await mailTo(server, 'root'));
      assert.equal(greylisted.refusedAt, 'rcpt', JSON.stringify(greylisted));
      assert.match(greylisted.replies.rcpt?.text ?? '', /^450 4\.2\.0 <root@[^>]+>: Recipient address rejected: Greylisted/);
      const postmaster = await mailDialogue(peer, addr, await mailTo(server, 'postmaster'));
      assert.equal(postmaster.replies.rcpt?.code, 250, JSON.stringify(postmaster));
    });

    it('postgrey stopped: banner and MAIL fine, 451 4.3.5 at RCPT after a retry', async function () {
      const fault = await injectPolicyServiceDown(server);
      assert.equal(await policyAnswer(server, fault.policy.address, fault.policy.port), undefined);
      const d = await mailDialogue(peer, addr, await mailTo(server, 'postmaster'));
      assertPolicyDown(d);
      // smtpd tries the service twice (about a second apart) before it gives up.
      assert.ok((d.replies.rcpt?.ms ?? 0) >= 900, `RCPT answered after ${d.replies.rcpt?.ms} ms`);
      const log = await postfixLog(server);
      assert.match(log, /warning: connect to 127\.0\.0\.1:10023: Connection refused/);
      assert.match(log, /warning: problem talking to server 127\.0\.0\.1:10023: Connection refused/);
      assert.match(log, /NOQUEUE: reject: RCPT from unknown\[[\d.]+\]: 451 4\.3\.5 <postmaster@[^>]+>: Recipient address rejected: Server configuration problem/);
      console.log(`      peer sees: ${d.replies.rcpt?.text} (RCPT ${d.replies.rcpt?.ms} ms)`);
    });
  });

  describe('systemd host: postgrey.service', function () {
    let server: NspawnHost;
    let addr: string;
    before(async function () {
      if (SKIP_NSPAWN) this.skip();
      this.timeout(120_000);
      server = await NspawnHost.create({ name: 'plnsp' });
      addr = (await link(server, peer)).aAddr;
    });
    after(async function () {
      await server?.destroy();
    });

    it('boots with postgrey installed and not started', async function () {
      assert.equal((await server.exec(['systemctl', 'is-enabled', 'postgrey.service'])).stdout.trim(), 'disabled');
      assert.equal((await server.exec(['systemctl', 'is-active', 'postgrey.service'])).stdout.trim(), 'inactive');
    });

    it('postgrey.service stopped and disabled: 451 4.3.5 at RCPT, the journal names the service', async function () {
      this.timeout(60_000);
      const fault = await injectPolicyServiceDown(server, { disable: true });
      assert.equal((await server.exec(['systemctl', 'is-enabled', 'postgrey.service'])).stdout.trim(), 'disabled');
      const d = await mailDialogue(peer, addr, await mailTo(server, 'postmaster'));
      assertPolicyDown(d);
      await waitForPostfixLog(server, /warning: connect to 127\.0\.0\.1:10023: Connection refused/);
      assert.equal(fault.policy.policyService, 'inet:127.0.0.1:10023');
    });
  });
});
