// The chroot's copies of /etc files, and the queue's free space, judged as the probes do:
// real files in a scratch root; `df` output as GNU coreutils and busybox print it.

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { chrootProbe } from '../../../src/probes/chroot.js';
import { queueSpaceProbe } from '../../../src/probes/queue-space.js';
import { scratchDir } from '../helpers/context.js';
import { fakeExec } from './helpers/fake-exec.js';
import { factsWith } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

describe('probes/chroot and probes/queue-space', () => {
  it("chroot: current copies are fine; a hosts edited since the copy is named", async () => {
    const s = scratchDir();
    try {
      const put = (p: string, text: string): void => {
        mkdirSync(join(s.dir, p, '..'), { recursive: true });
        writeFileSync(join(s.dir, p), text);
      };
      for (const f of ['hosts', 'resolv.conf', 'services']) {
        put(`etc/${f}`, `${f} v1\n`);
        put(`var/spool/postfix/etc/${f}`, `${f} v1\n`);
      }
      const ctx = probeCtx(factsWith(() => undefined), { fs: createHostFs(s.dir) });
      assert.equal((await chrootProbe.run(ctx))[0]?.status, 'ok');
      put('etc/hosts', 'hosts v2\n10.0.0.9 office.example.test\n');
      const [f] = await chrootProbe.run(ctx);
      assert.deepEqual([f?.status, f?.cause], ['fail', 'chroot-copies-stale']);
      assert.match(f?.title ?? '', /stale copies of hosts/);
      assert.ok(f?.evidence.includes('/var/spool/postfix/etc/hosts: differs from /etc/hosts'), f?.evidence.join('\n'));
    } finally {
      s.cleanup();
    }
  });

  it('queue space: enough is fine; less than 1.5 × message_size_limit is a refusal at MAIL', async () => {
    const df = (availKb: number) => fakeExec([{ argv: ['df'], result: { stdout: `Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/vda 100000 90000 ${availKb} 90% /\n` } }]);
    const facts = factsWith((f) => Object.assign(f.postfix.params, { queue_minfree: '0', message_size_limit: '10240000' }));
    assert.equal((await queueSpaceProbe.run(probeCtx(facts, { exec: df(1_000_000) })))[0]?.status, 'ok');
    const [low] = await queueSpaceProbe.run(probeCtx(facts, { exec: df(8_000) }));
    assert.deepEqual([low?.status, low?.cause], ['fail', 'queue-space-low']);
    assert.match(low?.title ?? '', /7\.8 MiB free, less than the 14\.6 MiB smtpd needs/);
  });
});
