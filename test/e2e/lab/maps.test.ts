import assert from 'node:assert/strict';
import { injectMissingMapDb } from './faults.js';
import { LabHost } from './host.js';
import { link } from './peer.js';
import { postconfGet, postfixLog, postfixReload, waitForPostfixLog } from './postfix-control.js';
import { mailDialogue, sendMail } from './smtp.js';
import { pollUntil } from './wait.js';

// Lookup tables whose compiled file is missing or older than its source. The banner, EHLO and
// MAIL FROM look normal; the table is opened at the first lookup, so RCPT is where it shows.
describe('lab: lookup tables without their compiled .db', function () {
  let peer: LabHost;
  let server: LabHost;
  let addr: string;
  let n = 0;

  before(async function () {
    peer = await LabHost.create({ name: 'mppeer', postfix: false });
  });
  after(async function () {
    await peer?.destroy();
  });
  beforeEach(async function () {
    server = await LabHost.create({ name: `mpsrv${n++}` });
    addr = (await link(server, peer)).aAddr;
  });
  afterEach(async function () {
    await server?.destroy();
  });

  const mailTo = async (user: string): Promise<{ from: string; to: string }> => ({
    from: 'sender@peer.test',
    to: `${user}@${await postconfGet(server, 'myhostname')}`,
  });

  // The smtpd pid of each peer session so far, in order.
  const sessionPids = async (): Promise<string[]> =>
    [...(await postfixLog(server)).matchAll(/postfix\/smtpd\[(\d+)\]: connect from unknown\[([\d.]+)\]/g)]
      .filter((m) => m[2] === peerAddr(addr))
      .map((m) => m[1] ?? '');

  for (const restriction of ['client', 'recipient'] as const) {
    it(`check_client_access hash: never postmapped (smtpd_${restriction}_restrictions): 451 4.3.5 at RCPT`, async function () {
      const fault = await injectMissingMapDb(server, { variant: 'missing', restriction });
      assert.equal(fault.dbFile, '/etc/postfix/client_access.db');
      assert.equal((await server.exec(['test', '-e', fault.dbFile])).code, 1);
      assert.equal((await server.exec(['test', '-s', '/etc/postfix/client_access'])).code, 0, 'the source is there');
      const d = await mailDialogue(peer, addr, await mailTo('postmaster'));
      assert.equal(d.replies.banner?.code, 220);
      assert.equal(d.replies.ehlo?.code, 250);
      assert.equal(d.replies.mail?.code, 250);
      assert.equal(d.refusedAt, 'rcpt', JSON.stringify(d));
      assert.equal(d.replies.rcpt?.text, `451 4.3.5 <unknown[${peerAddr(addr)}]>: Client host rejected: Server configuration error`);
      const log = await postfixLog(server);
      assert.match(
        log,
        /warning: hash:\/etc\/postfix\/client_access is unavailable\. open database \/etc\/postfix\/client_access\.db: No such file or directory/,
      );
      assert.match(log, /warning: hash:\/etc\/postfix\/client_access lookup error for "unknown"/);
      // `postfix check` does not notice.
      assert.equal((await server.exec(['postfix', 'check'])).code, 0);
    });
  }

  it('postmap afterwards: a smtpd that failed the open keeps failing until a reload', async function () {
    await injectMissingMapDb(server, { variant: 'missing' });
    assert.equal((await mailDialogue(peer, addr, await mailTo('postmaster'))).replies.rcpt?.code, 451);
    await server.execOk(['postmap', 'hash:/etc/postfix/client_access']);
    const second = await mailDialogue(peer, addr, await mailTo('postmaster'));
    // Usually the same smtpd process serves the second client (and still fails); one freshly
    // spawned for it opens the new .db. Which one it was is in the log.
    // postlogd writes asynchronously: wait for both sessions' lines.
    const pids = await pollUntil(async () => {
      const found = await sessionPids();
      return found.length >= 2 ? found : undefined;
    }, { timeoutMs: 10_000, what: 'two peer sessions in the log' });
    assert.equal(pids.length, 2, pids.join(' '));
    assert.equal(second.replies.rcpt?.code, pids[0] === pids[1] ? 451 : 250, `${JSON.stringify(second)} pids ${pids.join(' ')}`);
    await postfixReload(server);
    const after = await mailDialogue(peer, addr, await mailTo('postmaster'));
    assert.equal(after.replies.rcpt?.code, 250, JSON.stringify(after));
  });

  it('.db older than its source: the lifted block still applies, 554 at RCPT', async function () {
    const fault = await injectMissingMapDb(server, { variant: 'stale' });
    assert.match(await server.readFile('/etc/postfix/client_access'), /unblocked/);
    const d = await mailDialogue(peer, addr, await mailTo('postmaster'));
    assert.equal(d.refusedAt, 'rcpt', JSON.stringify(d));
    assert.equal(d.replies.rcpt?.text, `554 5.7.1 <unknown[${peerAddr(addr)}]>: Client host rejected: blocked office range`);
    await waitForPostfixLog(server, /warning: database \/etc\/postfix\/client_access\.db is older than source file \/etc\/postfix\/client_access/);
    assert.equal(fault.map, 'hash:/etc/postfix/client_access');
  });

  it('alias_maps without aliases.db: postmaster passes RCPT (then defers), other local users get 451 4.3.0', async function () {
    const fault = await injectMissingMapDb(server, { variant: 'alias-missing' });
    assert.equal(fault.map, 'hash:/etc/aliases');
    // Postfix accepts postmaster without a recipient lookup: a "can postmaster get mail" check
    // would call this server healthy.
    const postmaster = await mailDialogue(peer, addr, await mailTo('postmaster'));
    assert.equal(postmaster.replies.rcpt?.code, 250, JSON.stringify(postmaster));
    const root = await mailDialogue(peer, addr, await mailTo('root'));
    assert.equal(root.refusedAt, 'rcpt', JSON.stringify(root));
    assert.match(root.replies.rcpt?.text ?? '', /^451 4\.3\.0 <root@[^>]+>: Temporary lookup failure$/);
    const log = await postfixLog(server);
    assert.match(log, /warning: hash:\/etc\/aliases is unavailable\. open database \/etc\/aliases\.db: No such file or directory/);
    // Mail to postmaster is taken (250 queued) and then sits deferred: local(8) needs the table.
    const sent = await sendMail(peer, addr, 25, await mailTo('postmaster'));
    assert.equal(sent.accepted, true, JSON.stringify(sent));
    await waitForPostfixLog(server, /postfix\/local\[\d+\]: error: open database \/etc\/aliases\.db: No such file or directory/);
    await waitForPostfixLog(server, /to=<postmaster@[^>]+>, relay=local, .*dsn=4\.3\.0, status=deferred \(alias database unavailable\)/);
  });
});

// The peer's address on a link: .2 where the server is .1 (peer.ts).
function peerAddr(serverAddr: string): string {
  return serverAddr.replace(/\.1$/, '.2');
}
