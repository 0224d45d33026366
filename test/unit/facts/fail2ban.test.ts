// fail2ban-client's answers, as recorded in a lab host (Debian's fail2ban 1.0.2 with the postfix
// and postfix-sasl jails, three bans), parsed; and what the gatherer asks, and when it asks nothing.
import assert from 'node:assert/strict';
import { fail2banRuns, gatherFail2ban, parseBanWithTime, parseBannedAll, parseBannedFor, parseIgnoreip } from '../../../src/facts/fail2ban.js';
import { debianProfile } from '../helpers/context.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import { emptyRoot } from '../probes/helpers/probe-ctx.js';
import { fixture } from './fixture.js';
import type { Script } from '../probes/helpers/fake-exec.js';
import { dialSmtp } from '../../../src/exec/dial.js';

const RUNNING = [{ pid: 1, comm: 'sleep' }, { pid: 40, comm: 'fail2ban-server' }];

function ctx(scripts: Script[]) {
  const exec = fakeExec(scripts, ['fail2ban-client']);
  return { c: { exec, fs: emptyRoot(), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 }, exec };
}

describe('facts/fail2ban', () => {
  it('parses `banned`, `banned ADDR`, `banip --with-time` and `ignoreip` as fail2ban 1.0.2 prints them', () => {
    assert.deepEqual([...(parseBannedAll(fixture('f2b-banned.txt')) ?? [])], [
      ['postfix', ['10.231.0.2', '203.0.113.77', 'fd00:231::2']],
      ['postfix-sasl', ['10.231.0.2']],
    ]);
    assert.deepEqual(parseBannedFor(fixture('f2b-banned-addr.txt')), ['postfix', 'postfix-sasl']);
    assert.deepEqual(parseBannedFor('[[]]\n'), []);
    assert.deepEqual(parseBanWithTime(fixture('f2b-banip-with-time.txt'), 'fd00:231::2'), { since: '2026-12-06 08:17:30', bantime: 3600, expires: '2026-12-06 09:17:30' });
    assert.equal(parseBanWithTime(fixture('f2b-banip-with-time.txt'), '10.231.0.20'), null, 'a prefix of another address is not it');
    assert.deepEqual(parseBanWithTime('10.0.0.9 \t2026-12-06 08:17:30 + -1 = 9999-12-31 23:59:59\n', '10.0.0.9'), { since: '2026-12-06 08:17:30', bantime: -1, expires: null });
    assert.deepEqual(parseIgnoreip(fixture('f2b-ignoreip.txt')), ['127.0.0.0/8', '::1']);
    assert.deepEqual(parseIgnoreip(fixture('f2b-ignoreip-empty.txt')), []);
    assert.equal(parseBannedAll('Sorry but the jail does not exist'), null);
  });

  it('asks nothing when fail2ban-server does not run (a host without fail2ban pays no Python start-up)', async () => {
    const { c, exec } = ctx([]);
    assert.equal(fail2banRuns([{ pid: 1, comm: 'sleep' }]), false);
    assert.equal(await gatherFail2ban(c, () => {}, [{ pid: 1, comm: 'sleep' }], '10.0.0.9'), null);
    assert.equal(exec.calls.length, 0);
  });

  it('without a client: one call, every jail with its bans', async () => {
    const { c, exec } = ctx([{ argv: ['fail2ban-client', 'banned'], result: { stdout: fixture('f2b-banned.txt') } }]);
    const f = await gatherFail2ban(c, () => {}, RUNNING, null);
    assert.deepEqual(exec.calls.map((x) => x.argv.join(' ')), ['fail2ban-client banned']);
    assert.deepEqual(f?.jails.map((j) => [j.name, j.banned?.length]), [['postfix', 3], ['postfix-sasl', 1]]);
    assert.equal(f?.clientJails, null);
  });

  it('with a client: the jails that ban it, then when each ban ends and its ignoreip', async () => {
    const { c, exec } = ctx([
      { argv: ['fail2ban-client', 'banned', '10.231.0.2'], result: { stdout: fixture('f2b-banned-addr.txt') } },
      { argv: ['fail2ban-client', 'get', 'postfix', 'banip'], result: { stdout: fixture('f2b-banip-with-time.txt') } },
      { argv: ['fail2ban-client', 'get', 'postfix-sasl', 'banip'], result: { stdout: '10.231.0.2 \t2026-12-06 08:17:31 + 600 = 2026-12-06 08:27:31\n' } },
      { argv: ['fail2ban-client', 'get'], result: { stdout: fixture('f2b-ignoreip.txt') } },
    ]);
    const f = await gatherFail2ban(c, () => {}, RUNNING, '10.231.0.2');
    assert.deepEqual(f?.clientJails, ['postfix', 'postfix-sasl']);
    assert.deepEqual(f?.jails.map((j) => [j.name, j.clientBan?.expires, j.bantime, j.ignoreip]), [
      ['postfix', '2026-12-06 09:17:30', 3600, ['127.0.0.0/8', '::1']],
      ['postfix-sasl', '2026-12-06 08:27:31', 600, ['127.0.0.0/8', '::1']],
    ]);
    assert.equal(exec.calls.length, 5);
  });

  it('a fail2ban that does not answer is a noted error, never "no bans"', async () => {
    const notes: string[] = [];
    const { c } = ctx([{ argv: ['fail2ban-client', 'banned'], result: { exitCode: 255, stderr: 'ERROR  Failed to access socket path: /var/run/fail2ban/fail2ban.sock. Is fail2ban running?' } }]);
    const f = await gatherFail2ban(c, (fact, m) => notes.push(`${fact}: ${m}`), RUNNING, '10.0.0.9');
    assert.deepEqual(f, { running: true, jails: [], clientJails: null });
    assert.match(notes[0] ?? '', /^fail2ban: `fail2ban-client banned 10.0.0.9` exited 255: ERROR +Failed to access socket/);
  });
});
