import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { gatherMasterPid, masterPidPath } from '../../../src/facts/master-pid.js';
import { debianProfile } from '../helpers/context.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import type { ChildProcess } from 'node:child_process';
import { dialSmtp } from '../../../src/exec/dial.js';

// A real flock on a scratch file, seen through the real /proc/locks: who holds master.pid.
describe('facts/master-pid: the lock holder, for real', function () {
  this.timeout(10_000);
  let dir: string;
  let holder: ChildProcess | null = null;
  const ctx = () => ({ exec: fakeExec([]), fs: createHostFs('/'), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pf-masterpid-'));
  });
  afterEach(() => {
    holder?.kill('SIGKILL');
    holder = null;
    rmSync(dir, { recursive: true, force: true });
  });

  it('a stale file naming a dead pid, unlocked', async () => {
    const path = join(dir, 'master.pid');
    // above any pid_max: certainly not running
    writeFileSync(path, '   4194305\n');
    const m = await gatherMasterPid(ctx(), path);
    assert.deepEqual(m, { path, exists: true, pid: 4194305, pidAlive: false, pidIsMaster: false, lockHolder: null });
  });

  it('a foreign process holding the flock is named, with its command', async () => {
    const path = join(dir, 'master.pid');
    writeFileSync(path, `${process.pid}\n`);
    holder = spawn('flock', ['-x', path, 'sleep', '30'], { stdio: 'ignore' });
    for (let i = 0; i < 50; i++) {
      const m = await gatherMasterPid(ctx(), path);
      if (m.lockHolder) {
        assert.deepEqual(m.lockHolder, { pid: holder.pid, process: 'flock' });
        assert.equal(m.pidAlive, true);
        assert.equal(m.pidIsMaster, false);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.fail('flock never showed up in /proc/locks');
  });

  it('no file, no facts', async () => {
    const m = await gatherMasterPid(ctx(), join(dir, 'nope.pid'));
    assert.equal(m.exists, false);
    assert.equal(masterPidPath({ queue_directory: '/srv/spool/' }, '/var/spool/postfix/pid/master.pid'), '/srv/spool/pid/master.pid');
    assert.equal(masterPidPath({}, '/x/master.pid'), '/x/master.pid');
  });
});
