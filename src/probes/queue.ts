// Queue size and why mail is deferred. A backlog does not refuse connections, but it is what
// users notice, and its reasons point at the cause: greylisting (wait), connect timeouts to port
// 25 (an outbound block), the content filter (down). The sizes and the age of each queue's oldest
// message are also metrics, for monitoring; the age costs a `postqueue -j` only when the queue
// is not empty, so a healthy, idle server pays nothing for it.

import { contentFilterTarget } from './content-filter-target.js';
import { runProbeCommand } from './budget.js';
import { ok, problem, unknown } from './finding.js';
import { oldestArrivals } from './queue/ages.js';
import { classifyDeferReason } from './queue/reasons.js';
import { QUEUES, countQueues, sampleDeferReasons } from './queue/scan.js';
import type { DeferKind } from './queue/reasons.js';
import type { QueueName } from './queue/scan.js';
import type { Probe, ProbeContext } from './types.js';

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
    const [reasons, oldest] = await Promise.all([c.deferred > 0 ? sampleDeferReasons(ctx.fs, postfix.queueDir, SAMPLE) : Promise.resolve([]), oldestAges(ctx, c)]);
    const byKind = new Map<DeferKind, string[]>();
    for (const r of reasons) {
      const k = classifyDeferReason(r, cf);
      byKind.set(k, [...(byKind.get(k) ?? []), r]);
    }
    const reasonLines = [...byKind].sort((a, b) => b[1].length - a[1].length).map(([k, rs]) => `${rs.length} deferred for ${k}: e.g. "${rs[0]}"`);
    const evidence = [`queue: ${summary}`, ...ageLine(c, oldest), ...reasonLines];
    const waiting = c.incoming + c.active + c.deferred;
    const out = [];
    if ((byKind.get('content-filter')?.length ?? 0) > 0) out.push(problem('fail', 'queue', 'content-filter-down', evidence, { title: 'mail is deferred because the content filter does not answer' }));
    if (waiting >= BACKLOG) out.push(problem('warn', 'queue', 'queue-backlog', evidence, { title: `${waiting} messages waiting in the queue` }));
    if (out.length === 0) out.push(ok('queue', waiting === 0 ? 'the queue is empty' : `${waiting} message(s) in the queue`, evidence));
    const metrics: Record<string, number> = {};
    for (const q of QUEUES) metrics[`${q}_messages`] = c[q];
    if (oldest) for (const q of QUEUES) metrics[`${q}_oldest_age_seconds`] = oldest[q];
    return out.map((f) => ({ ...f, metrics }));
  },
};

function ageLine(counts: Record<QueueName, number>, ages: Record<QueueName, number> | null): string[] {
  if (QUEUES.every((q) => counts[q] === 0)) return [];
  if (!ages) return ['age of the oldest message unknown (`postqueue -j` did not answer)'];
  const [q, age] = QUEUES.map((x) => [x, ages[x]] as const).reduce((a, b) => (b[1] > a[1] ? b : a));
  return [`oldest message: waiting ${duration(age)} (${q})`];
}

function duration(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 7_200) return `${Math.round(s / 60)} min`;
  if (s < 172_800) return `${Math.round(s / 3_600)} h`;
  return `${Math.round(s / 86_400)} days`;
}

/** Seconds the oldest message of each queue has waited (0 when empty); null when unknown. */
async function oldestAges(ctx: ProbeContext, counts: Record<QueueName, number>): Promise<Record<QueueName, number> | null> {
  const ages = Object.fromEntries(QUEUES.map((q) => [q, 0])) as Record<QueueName, number>;
  if (QUEUES.every((q) => counts[q] === 0)) return ages;
  // As root, postqueue reads the spool itself when Postfix is down ("accessing queue directly").
  const r = await runProbeCommand(ctx, ['postqueue', '-c', ctx.facts.postfix.configDir, '-j'], 1_500);
  if (r.exitCode !== 0 || r.timedOut) return null;
  const arrivals = oldestArrivals(r.stdout);
  const now = Date.now() / 1000;
  for (const q of QUEUES) {
    const t = arrivals[q];
    if (t !== undefined) ages[q] = Math.max(0, Math.round(now - t));
  }
  return ages;
}
