import assert from 'node:assert/strict';
import { injectStaleChrootCopies, wireMilter } from './faults.js';
import { LabHost } from './host.js';
import { NspawnHost } from './nspawn.js';
import { link } from './peer.js';
import { postconfGet, postfixLog, postfixReload, waitForPostfixLog } from './postfix-control.js';
import { startOpendkim, syncChrootCopies } from './services.js';
import { mailDialogue } from './smtp.js';

const SKIP_NSPAWN = process.env['POSTFIX_FIX_LAB_SKIP_NSPAWN'] === '1';
// What Debian's configure-instance.sh copies into the queue directory (those that exist here).
const COPIED = ['etc/localtime', 'etc/services', 'etc/resolv.conf', 'etc/hosts', 'etc/host.conf', 'etc/nsswitch.conf'];

// Debian runs smtpd chrooted in /var/spool/postfix (master.cf chroot column `y`), with copies
// of the /etc files name lookups need, made by /usr/lib/postfix/configure-instance.sh before
// each start by the init script or postfix@.service; never by `postfix start|reload`.
describe('lab: Postfix chroot copies', function () {
  let peer: LabHost;
  before(async function () {
    peer = await LabHost.create({ name: 'chpeer', postfix: false });
  });
  after(async function () {
    await peer?.destroy();
  });

  describe('namespace host (`postfix start`, no init script)', function () {
    let server: LabHost;
    let addr: string;
    let n = 0;
    beforeEach(async function () {
      server = await LabHost.create({ name: `chsrv${n++}` });
      addr = (await link(server, peer)).aAddr;
    });
    afterEach(async function () {
      await server?.destroy();
    });

    it('configure-instance.sh (what the init script runs) makes copies that match /etc', async function () {
      // A namespace host has none unless the machine's own spool carried some in: start clean.
      await server.execOk(['rm', '-rf', '/var/spool/postfix/etc']);
      await syncChrootCopies(server);
      for (const file of COPIED) {
        assert.equal((await server.exec(['cmp', `/etc/${file.slice(4)}`, `/var/spool/postfix/${file}`])).code, 0, file);
      }
    });

    it('without the copies, chrooted smtpd cannot resolve "localhost": a running milter is "not found"', async function () {
      const dkim = await startOpendkim(server);
      await wireMilter(server, dkim);
      // As a bare `postfix start` leaves it (what a namespace host, or an admin bypassing the
      // init script, has): no etc/hosts in the chroot.
      await server.execOk(['rm', '-rf', '/var/spool/postfix/etc']);
      await postfixReload(server);
      const d = await mailDialogue(peer, addr, { from: 'a@peer.test', to: `postmaster@${await postconfGet(server, 'myhostname')}` });
      assert.equal(d.refusedAt, 'mail', JSON.stringify(d));
      assert.equal(d.replies.mail?.text, '451 4.7.1 Service unavailable - try again later');
      await waitForPostfixLog(server, /warning: host or service localhost:8891 not found/);
    });

    it('/etc/hosts edited after the last start: smtpd reads the stale copy, the partner stays unknown', async function () {
      const peerAddr = addr.replace(/\.1$/, '.2');
      const fault = await injectStaleChrootCopies(server, { peerAddr, peerName: 'mail.partner.test' });
      assert.equal(fault.hostsLine, `${peerAddr}\tmail.partner.test`);
      // The host itself resolves the partner...
      assert.match((await server.execOk(['getent', 'hosts', peerAddr])).stdout, /mail\.partner\.test/);
      // ...smtpd, in its chroot, does not.
      assert.equal((await server.exec(['cmp', '-s', '/etc/hosts', fault.chrootHosts])).code, 1);
      const to = `postmaster@${await postconfGet(server, 'myhostname')}`;
      const d = await mailDialogue(peer, addr, { from: 'a@partner.test', to });
      assert.equal(d.replies.banner?.code, 220);
      assert.equal(d.refusedAt, 'rcpt', JSON.stringify(d));
      assert.equal(d.replies.rcpt?.text, `450 4.7.25 Client host rejected: cannot find your hostname, [${peerAddr}]`);
      const log = await postfixLog(server);
      assert.match(log, new RegExp(`connect from unknown\\[${peerAddr.replaceAll('.', '\\.')}\\]`));
      // `postfix check` says what is wrong (as a warning; it still exits 0).
      const check = await server.exec(['script', '-qec', 'postfix check', '/dev/null']);
      assert.match(check.stdout, /warning: \/var\/spool\/postfix\/etc\/hosts and \/etc\/hosts differ/);

      // The proof that the copy is the cause: sync it the init script's way and reload.
      await syncChrootCopies(server);
      await postfixReload(server);
      const fixed = await mailDialogue(peer, addr, { from: 'a@partner.test', to });
      assert.equal(fixed.replies.rcpt?.code, 250, JSON.stringify(fixed));
      await waitForPostfixLog(server, new RegExp(`connect from mail\\.partner\\.test\\[${peerAddr.replaceAll('.', '\\.')}\\]`));
    });
  });

  describe('systemd host (postfix@.service copies at every start)', function () {
    let server: NspawnHost;
    let addr: string;
    before(async function () {
      if (SKIP_NSPAWN) this.skip();
      this.timeout(120_000);
      server = await NspawnHost.create({ name: 'chnsp' });
      addr = (await link(server, peer)).aAddr;
    });
    after(async function () {
      await server?.destroy();
    });

    it('boots with the copies in place', async function () {
      for (const file of COPIED) {
        assert.equal((await server.exec(['cmp', `/etc/${file.slice(4)}`, `/var/spool/postfix/${file}`])).code, 0, file);
      }
    });

    it('/etc/hosts edited, `systemctl reload postfix`: still stale; `systemctl restart` re-copies', async function () {
      this.timeout(60_000);
      const peerAddr = addr.replace(/\.1$/, '.2');
      const fault = await injectStaleChrootCopies(server, { peerAddr });
      const to = `postmaster@${await postconfGet(server, 'myhostname')}`;
      const d = await mailDialogue(peer, addr, { from: 'a@partner.test', to });
      assert.equal(d.replies.rcpt?.text, `450 4.7.25 Client host rejected: cannot find your hostname, [${peerAddr}]`);
      assert.equal((await server.exec(['cmp', '-s', '/etc/hosts', fault.chrootHosts])).code, 1);
      await server.execOk(['systemctl', 'restart', 'postfix.service'], { timeoutMs: 60_000 });
      assert.equal((await server.exec(['cmp', '-s', '/etc/hosts', fault.chrootHosts])).code, 0);
      const fixed = await mailDialogue(peer, addr, { from: 'a@partner.test', to });
      assert.equal(fixed.replies.rcpt?.code, 250, JSON.stringify(fixed));
    });
  });
});
