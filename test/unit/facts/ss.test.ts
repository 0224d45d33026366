import assert from 'node:assert/strict';
import { isLoopbackAddress, isWildcardAddress, parseSsListeners, sharedSocketPids } from '../../../src/facts/ss.js';
import { fixture } from './fixture.js';

// Captured with `ss -Hltnp` in namespace hosts: Postfix on all addresses; a python3 stand-in
// holding 0.0.0.0:25 and [::1]:587; Postfix with inet_interfaces = loopback-only and 587/465 on.
describe('facts/ss: `ss -Hltnp` output', () => {
  it('reads Postfix master on 0.0.0.0:25 and [::]:25 with pid and command', () => {
    assert.deepEqual(parseSsListeners(fixture('ss-healthy.txt')), [
      { family: 4, address: '0.0.0.0', port: 25, pid: 111, process: 'master' },
      { family: 6, address: '::', port: 25, pid: 111, process: 'master' },
    ]);
  });

  it('names a foreign holder', () => {
    const ls = parseSsListeners(fixture('ss-other-listener.txt'));
    assert.deepEqual(ls[0], { family: 4, address: '0.0.0.0', port: 25, pid: 61, process: 'python3' });
    assert.deepEqual(ls[1], { family: 6, address: '::1', port: 587, pid: 61, process: 'python3' });
  });

  it('reads loopback-only listeners on 25/587/465', () => {
    const ls = parseSsListeners(fixture('ss-loopback-only.txt'));
    assert.equal(ls.length, 6);
    assert.ok(ls.every((l) => isLoopbackAddress(l.address)));
    assert.deepEqual([...new Set(ls.map((l) => l.port))].sort(), [25, 465, 587]);
  });

  it('names master when an smtpd shares its socket (seen right after a connection), and survives no process info (non-root)', () => {
    const line = 'LISTEN 0      100          0.0.0.0:25        0.0.0.0:*    users:(("smtpd",pid=216,fd=6),("master",pid=109,fd=12))\nLISTEN 0 100 127.0.0.1%lo:587 0.0.0.0:*\nLISTEN 0 4096 *:2525 *:* users:(("python3",pid=7,fd=3),("python3",pid=8,fd=3))';
    const ls = parseSsListeners(line);
    assert.deepEqual([ls[0]?.process, ls[0]?.pid], ['master', 109]);
    assert.equal(ls[2]?.pid, 7);
    assert.deepEqual(ls[1], { family: 4, address: '127.0.0.1', port: 587, pid: null, process: null });
    assert.equal(ls[2]?.address, '*');
    assert.ok(isWildcardAddress('*') && isWildcardAddress('::') && !isWildcardAddress('::1'));
  });

  // Captured in the lab while a client was connected to Exim: ss lists the child first. Taking
  // it for the holder once made a stopped Exim's undo skip waiting for port 25 (crash harness).
  it("names Exim's daemon, not the child it forked for a connection, when the parents are known", () => {
    const text = 'LISTEN 0      20     0.0.0.0:25 0.0.0.0:* users:(("exim4",pid=405,fd=5),("exim4",pid=267,fd=5))\nLISTEN 0 100 0.0.0.0:587 0.0.0.0:* users:(("smtpd",pid=9,fd=6),("master",pid=3,fd=12))';
    assert.deepEqual(sharedSocketPids(text), [405, 267], 'only sockets shared outside Postfix need their parents read');
    assert.equal(parseSsListeners(text)[0]?.pid, 405, 'without parents: the first listed');
    assert.equal(parseSsListeners(text, new Map([[405, 267], [267, 1]]))[0]?.pid, 267);
    // The child already exited when its parent was read: the one with a known, outside parent.
    assert.equal(parseSsListeners(text, new Map([[405, null], [267, 1]]))[0]?.pid, 267);
  });
});
