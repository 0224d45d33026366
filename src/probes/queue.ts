// Queue size and why mail is deferred. A backlog does not refuse connections, but it is what
// users notice, and its reasons point at the cause: greylisting (wait), connect timeouts to port
// 25 (an outbound block), the content filter (down).

import { contentFilterTarget } from './content-filter-target.js';
import { ok, problem, unknown } from './finding.js';
import { classifyDeferReason } from './queue/reasons.js';
import { QUEUES, countQueues, sampleDeferReasons } from './queue/scan.js';
import type { DeferKind } from './queue/reasons.js';
import type { Probe } from './types.js';

/** Messages waiting (incoming + active + deferred) before we call it a backlog. */
const BACKLOG = 100;
const SAMPLE = 40;

export const queueProbe: Probe = {
  name: 'queue',
  description: 'queue size and deferred reasons',
  timeoutMs: 2_500,
  causes: ['queue-backlog', 'content-filter-down'],
  async run(ctx) {
    const { postfix } = ctx.facts;
    if (!postfix.installed) return [];
    if (!ctx.isRoot) return [unknown('queue', 'queue not inspected (the spool is readable by root only)')];
    let counts;
    try {
      counts = await countQueues(ctx.fs, postfix.queueDir);
    } catch (e) {
      return [unknown('queue', 'could not read the queue', [(e as Error).message])];
    }
    const c = counts.counts;
    const summary = QUEUES.map((q) => `${q} ${c[q]}${counts.truncated ? '+' : ''}`).join(', ');
    const cfValue = contentFilterTarget(postfix.params.content_filter ?? '');
    const cf = cfValue && cfValue.kind === 'inet' ? { host: cfValue.host, port: cfValue.port } : null;
    const reasons = c.deferred > 0 ? await sampleDeferReasons(ctx.fs, postfix.queueDir, SAMPLE) : [];
    const byKind = new Map<DeferKind, string[]>();
    for (const r of reasons) {
      const k = classifyDeferReason(r, cf);
      byKind.set(k, [...(byKind.get(k) ?? []), r]);
    }
    const reasonLines = [...byKind].sort((a, b) => b[1].length - a[1].length).map(([k, rs]) => `${rs.length} deferred for ${k}: e.g. "${rs[0]}"`);
    const evidence = [`queue: ${summary}`, ...reasonLines];
    const waiting = c.incoming + c.active + c.deferred;
    const out = [];
    if ((byKind.get('content-filter')?.length ?? 0) > 0) out.push(problem('fail', 'queue', 'content-filter-down', evidence, { title: 'mail is deferred because the content filter does not answer' }));
    if (waiting >= BACKLOG) out.push(problem('warn', 'queue', 'queue-backlog', evidence, { title: `${waiting} messages waiting in the queue` }));
    if (out.length === 0) out.push(ok('queue', waiting === 0 ? 'the queue is empty' : `${waiting} message(s) in the queue`, evidence));
    return out;
  },
};
