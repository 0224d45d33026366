// queue's verify: a check that can fail. What it can know right after a flush is that the queue
// manager that carries out the retry is running, and what the queue holds; delivery itself is
// not its claim. A scripted executor stands in for `postfix status` and `postqueue -j`;
// master.pid and /proc are real files under a scratch root (the real flush runs in
// test/e2e/runbooks/slow-delivery.test.ts).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialSmtp } from '../../../src/exec/dial.js';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { queueModule } from '../../../src/modules/queue/module.js';
import type { Change } from '../../../src/modules/types.js';
import { debianProfile, scratchDir } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';
import { fakeExec } from '../probes/helpers/fake-exec.js';
import { factsWith } from '../probes/helpers/facts.js';

const DEFERRED = '{"queue_name": "deferred", "queue_id": "39A5565", "recipients": [{"address": "someone@example.com", "delay_reason": "connect to 192.0.2.1[192.0.2.1]:25: Network is unreachable"}]}\n';
const change: Change = { summary: '', diff: [], data: null, intent: { flush: true }, restore: { total: 1, deferred: 1 } };

describe('modules/queue: verify after a flush', () => {
  let s: Scratch;
  beforeEach(() => {
    s = scratchDir();
    mkdirSync(join(s.dir, 'var/spool/postfix/pid'), { recursive: true });
    writeFileSync(join(s.dir, 'var/spool/postfix/pid/master.pid'), '   4242\n');
    mkdirSync(join(s.dir, 'proc/4242'), { recursive: true });
    writeFileSync(join(s.dir, 'proc/4242/comm'), 'master\n');
  });
  afterEach(() => s.cleanup());

  const ctx = (statusExit: number, queue: { exitCode: number; stdout?: string; stderr?: string }) => ({
    exec: fakeExec([
      { argv: ['postfix', '-c', '/etc/postfix', 'status'], result: { exitCode: statusExit } },
      { argv: ['postqueue', '-c', '/etc/postfix', '-j'], result: queue },
    ]),
    fs: createHostFs(s.dir),
    facts: factsWith(() => {}),
    profile: debianProfile(),
    dialer: dialSmtp,
    deadline: Number.POSITIVE_INFINITY,
    runDir: null,
  });

  it('ok when the queue manager runs; says what the queue holds and that delivery is not its claim', async () => {
    const out = await queueModule.verify(ctx(0, { exitCode: 0, stdout: DEFERRED }), { flush: true }, change);
    assert.equal(out.ok, true, out.evidence.join('\n'));
    assert.match(out.evidence.join('\n'), /queue: 1 deferred of 1 \(before the flush: 1 of 1\); .*whether it succeeds depends on the destinations/);
  });

  it('fails when Postfix is not running: nothing will carry out the retry', async () => {
    const out = await queueModule.verify(ctx(1, { exitCode: 0, stdout: DEFERRED }), { flush: true }, change);
    assert.equal(out.ok, false);
    assert.match(out.evidence[0] ?? '', /NOT running: nothing will retry the deferred mail/);
  });

  it('fails when the queue cannot be read', async () => {
    const out = await queueModule.verify(ctx(0, { exitCode: 69, stderr: 'postqueue: fatal: Queue report unavailable - mail system is down\n' }), { flush: true }, change);
    assert.equal(out.ok, false);
    assert.ok(out.evidence.some((e) => /cannot read the mail queue/.test(e)), out.evidence.join('\n'));
  });
});
