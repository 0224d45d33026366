import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { queueProbe } from '../../../src/probes/queue.js';
import { oldestArrivals } from '../../../src/probes/queue/ages.js';
import { classifyDeferReason, parseDeferLog } from '../../../src/probes/queue/reasons.js';
import { countQueues } from '../../../src/probes/queue/scan.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
import { fakeExec } from './helpers/fake-exec.js';
import { probeCtx } from './helpers/probe-ctx.js';

// defer-log.txt: the real per-message defer log of a message deferred because the content
// filter (127.0.0.1:10024) was down.
const DEFER = readFileSync(new URL('./fixtures/defer-log.txt', import.meta.url), 'utf8');

function spool(deferred: number, active = 0): ReturnType<typeof createHostFs> {
  const root = mkdtempSync(join(tmpdir(), 'pf-queue-'));
  const q = join(root, 'var/spool/postfix');
  for (let i = 0; i < deferred; i++) {
    const id = `4B${String(i).padStart(8, '0')}`;
    const hash = id.slice(0, 1);
    mkdirSync(join(q, 'deferred', hash), { recursive: true });
    mkdirSync(join(q, 'defer', hash), { recursive: true });
    writeFileSync(join(q, 'deferred', hash, id), 'x');
    writeFileSync(join(q, 'defer', hash, id), DEFER);
  }
  mkdirSync(join(q, 'active'), { recursive: true });
  for (let i = 0; i < active; i++) writeFileSync(join(q, 'active', `A${i}XYZ123`), 'x');
  return createHostFs(root);
}

describe('probes/queue', () => {
  it('reads the reason from a real defer log and classifies it', () => {
    const [reason] = parseDeferLog(DEFER);
    assert.equal(reason, 'connect to 127.0.0.1[127.0.0.1]:10024: Connection refused');
    assert.equal(classifyDeferReason(reason as string, { host: '127.0.0.1', port: 10024 }), 'content-filter');
    assert.equal(classifyDeferReason('host mx.example[192.0.2.1] said: 450 4.2.0 <a@b>: Recipient address rejected: Greylisted, see http://postgrey', null), 'greylisting');
    assert.equal(classifyDeferReason('connect to mx.example.com[192.0.2.1]:25: Connection timed out', null), 'connect-timeout');
  });

  it('counts hashed and flat queues', async () => {
    const c = await countQueues(spool(3, 2), '/var/spool/postfix');
    assert.deepEqual(c.counts, { maildrop: 0, incoming: 0, active: 2, deferred: 3, hold: 0 });
  });

  it('empty: ok; deferred for the content filter: fail content-filter-down', async () => {
    assert.equal((await queueProbe.run(probeCtx(healthyFacts(), { fs: spool(0) })))[0]?.title, 'the queue is empty');
    const facts = factsWith((f) => (f.postfix.params.content_filter = 'smtp:[127.0.0.1]:10024'));
    const [f] = await queueProbe.run(probeCtx(facts, { fs: spool(2) }));
    assert.deepEqual([f?.status, f?.cause], ['fail', 'content-filter-down']);
    assert.ok(f?.evidence.some((e) => e.startsWith('2 deferred for content-filter')));
  });

  it('a backlog: warn queue-backlog', async () => {
    const fs = await queueProbe.run(probeCtx(healthyFacts(), { fs: spool(101) }));
    assert.deepEqual(fs.map((f) => f.cause), ['queue-backlog']);
  });

  // What `postqueue -j` printed in a lab host for mail deferred by DNS (one object per line).
  const showq = (queue: string, id: string, arrival: number): string =>
    JSON.stringify({ queue_name: queue, queue_id: id, arrival_time: arrival, message_size: 250, forced_expire: false, sender: 'root@mx1.lab.test', recipients: [{ address: 'someone@example.invalid', delay_reason: 'Host or domain name not found' }] });

  it('postqueue -j: the oldest arrival per queue; cut or foreign lines are skipped', () => {
    const text = [showq('deferred', 'A1', 1_700_000_500), showq('deferred', 'A2', 1_700_000_100), showq('active', 'B1', 1_700_000_900), '{"queue_name": "deferred", "arri', '{"queue_name":"hold"}', ''].join('\n');
    assert.deepEqual(oldestArrivals(text), { deferred: 1_700_000_100, active: 1_700_000_900 });
    assert.deepEqual(oldestArrivals(''), {});
  });

  it('metrics: every queue size, and every queue\'s oldest age; an empty queue runs no command', async () => {
    const exec = fakeExec([]);
    const [f] = await queueProbe.run(probeCtx(healthyFacts(), { fs: spool(0), exec }));
    assert.deepEqual(f?.metrics, {
      maildrop_messages: 0, incoming_messages: 0, active_messages: 0, deferred_messages: 0, hold_messages: 0,
      maildrop_oldest_age_seconds: 0, incoming_oldest_age_seconds: 0, active_oldest_age_seconds: 0, deferred_oldest_age_seconds: 0, hold_oldest_age_seconds: 0,
    });
    assert.deepEqual(exec.calls, [], 'the healthy, idle path spawns nothing');
  });

  it('metrics: ages from postqueue -j (Postfix\'s arrival time, not the files\' mtime)', async () => {
    const now = Math.round(Date.now() / 1000);
    const exec = fakeExec([{ argv: ['postqueue', '-c', '/etc/postfix', '-j'], result: { stdout: [showq('deferred', 'A1', now - 7_200), showq('deferred', 'A2', now - 60), showq('active', 'B1', now - 5)].join('\n') + '\n' } }]);
    const [f] = await queueProbe.run(probeCtx(healthyFacts(), { fs: spool(2, 1), exec }));
    assert.equal(f?.metrics?.['deferred_messages'], 2);
    assert.equal(f?.metrics?.['active_messages'], 1);
    assert.ok(Math.abs((f?.metrics?.['deferred_oldest_age_seconds'] ?? 0) - 7_200) <= 2, String(f?.metrics?.['deferred_oldest_age_seconds']));
    assert.ok(Math.abs((f?.metrics?.['active_oldest_age_seconds'] ?? 0) - 5) <= 2);
    assert.equal(f?.metrics?.['hold_oldest_age_seconds'], 0);
    assert.ok(f?.evidence.includes('oldest message: waiting 2 h (deferred)'), f?.evidence.join('\n'));
  });

  it('metrics: when postqueue -j fails, the ages are absent (not zero) and the evidence says so', async () => {
    const exec = fakeExec([{ argv: ['postqueue'], result: { exitCode: 1, stderr: 'postqueue: fatal: Queue report unavailable' } }]);
    const findings = await queueProbe.run(probeCtx(healthyFacts(), { fs: spool(101), exec }));
    for (const f of findings) {
      assert.equal(f.metrics?.['deferred_messages'], 101);
      assert.ok(!Object.keys(f.metrics ?? {}).some((k) => k.endsWith('_age_seconds')));
    }
    assert.ok(findings[0]?.evidence.includes('age of the oldest message unknown (`postqueue -j` did not answer)'));
  });
});
