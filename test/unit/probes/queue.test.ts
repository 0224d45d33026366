import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { queueProbe } from '../../../src/probes/queue.js';
import { classifyDeferReason, parseDeferLog } from '../../../src/probes/queue/reasons.js';
import { countQueues } from '../../../src/probes/queue/scan.js';
import { factsWith, healthyFacts } from './helpers/facts.js';
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
});
