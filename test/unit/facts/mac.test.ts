import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { gatherMac } from '../../../src/facts/mac.js';
import { dialSmtp } from '../../../src/exec/dial.js';
import { debianProfile } from '../helpers/context.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import type { Script } from '../probes/helpers/fake-exec.js';

// A host root in a scratch directory: the kernel's selinuxfs file when SELinux is on, getenforce
// (scripted) for the rest.
describe('facts/mac: SELinux and AppArmor modes', () => {
  let root: string;
  const put = (path: string, content: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  const gather = (scripts: Script[]) => {
    const exec = fakeExec(scripts);
    return { exec, run: () => gatherMac({ exec, fs: createHostFs(root), profile: debianProfile(), dialer: dialSmtp, deadline: Date.now() + 5_000 }) };
  };
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'pf-mac-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  // Under QEMU TCG a getenforce outlasted the fact's budget and the host read as "absent".
  it('selinuxfs mounted: the mode from the kernel, no command run (a slow getenforce cannot hide it)', async () => {
    put('/sys/fs/selinux/enforce', '1');
    const g = gather([{ argv: ['getenforce'], result: { stdout: 'Enforcing\n' }, delayMs: 60_000 }]);
    assert.deepEqual(await g.run(), { selinux: 'enforcing', apparmor: 'absent' });
    assert.deepEqual(g.exec.calls, []);
    put('/sys/fs/selinux/enforce', '0');
    assert.equal((await gather([]).run()).selinux, 'permissive');
  });

  it('no selinuxfs: getenforce says Disabled (booted with selinux=0), or nothing is there at all', async () => {
    put('/sys/module/apparmor/parameters/enabled', 'Y\n');
    const g = gather([{ argv: ['getenforce'], result: { stdout: 'Disabled\n' } }]);
    assert.deepEqual(await g.run(), { selinux: 'disabled', apparmor: 'enabled' });
    assert.deepEqual(g.exec.calls.map((c) => c.argv), [['getenforce']]);
    assert.deepEqual(await gather([]).run(), { selinux: 'absent', apparmor: 'enabled' });
  });
});
