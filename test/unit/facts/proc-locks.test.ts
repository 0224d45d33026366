import assert from 'node:assert/strict';
import { locksOnFile, parseProcLocks, splitDev } from '../../../src/facts/proc-locks.js';
import { fixture } from './fixture.js';

describe('facts/proc-locks: /proc/locks', () => {
  it('reads Postfix master\'s two flocks (master.lock and master.pid)', () => {
    const locks = parseProcLocks(fixture('proc-locks-healthy.txt'));
    assert.deepEqual(locks[1], { kind: 'FLOCK', access: 'WRITE', pid: 111, major: 0, minor: 0x2a, inode: 20 });
  });

  it('reads a foreign `flock` holder', () => {
    assert.deepEqual(parseProcLocks(fixture('proc-locks-foreign.txt')), [{ kind: 'FLOCK', access: 'WRITE', pid: 33, major: 0, minor: 0x2a, inode: 18 }]);
  });

  it('skips blocked waiters (->) and reads POSIX locks', () => {
    const text = '1: POSIX  ADVISORY  WRITE 812 fd:01:393222 0 EOF\n1: -> POSIX  ADVISORY  WRITE 900 fd:01:393222 0 EOF\n';
    assert.deepEqual(parseProcLocks(text), [{ kind: 'POSIX', access: 'WRITE', pid: 812, major: 0xfd, minor: 1, inode: 393222 }]);
  });

  it('matches by device and inode, falling back to the inode where overlayfs reports another device', () => {
    const locks = parseProcLocks(fixture('proc-locks-healthy.txt'));
    // stat() on the overlay said dev 0x2b, inode 20; /proc/locks names the upper layer's 00:2a.
    assert.equal(locksOnFile(locks, { dev: 0x2b, ino: 20 })[0]?.pid, 111);
    assert.equal(locksOnFile(locks, { dev: 0x2a, ino: 20 }).length, 1);
    assert.equal(locksOnFile(locks, { dev: 0x2a, ino: 999 }).length, 0);
  });

  it('splits dev_t the way the kernel prints it', () => {
    assert.deepEqual(splitDev(0xfd01), { major: 0xfd, minor: 1 });
    assert.deepEqual(splitDev(0x2a), { major: 0, minor: 0x2a });
    assert.deepEqual(splitDev(0x10000301), { major: 3, minor: 0x10001 });
  });
});
