// queue: ask Postfix to retry deferred mail now (`postqueue -f`). It cannot be undone — a retry
// that happened cannot be taken back, and there is nothing to put back either: a flush only
// moves delivery attempts earlier. The plan says so before anything runs.

import type { FromSchema } from 'json-schema-to-ts';
import type { CommandResult } from '../../core/exec.js';
import { describeResult, mustRun } from '../../exec/command.js';
import { NO_DATA, defineActionModule } from '../define.js';
import { postfixRunning } from '../postfix-control.js';
import type { ModuleContext } from '../types.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['flush'],
  properties: { flush: { const: true } },
} as const;

/** The queue as seen before the flush: for the plan's line and verify's comparison. */
const QUEUE_COUNTS = {
  type: 'object',
  additionalProperties: false,
  required: ['total', 'deferred'],
  properties: { total: { type: 'integer', minimum: 0 }, deferred: { type: 'integer', minimum: 0 } },
} as const;

type QueueCounts = FromSchema<typeof QUEUE_COUNTS>;

/** Messages in the queue by queue name, from `postqueue -j` (one JSON object per line, Postfix ≥ 3.1). */
function countQueue(jsonLines: string): QueueCounts {
  let total = 0;
  let deferred = 0;
  for (const line of jsonLines.split('\n')) {
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as { queue_name?: string };
      total++;
      if (m.queue_name === 'deferred') deferred++;
    } catch {
      /* a partial line while the queue changes: skip it */
    }
  }
  return { total, deferred };
}

async function readQueue(ctx: ModuleContext): Promise<{ counts: QueueCounts; result: CommandResult }> {
  const result = await ctx.exec.run(['postqueue', '-c', ctx.facts.postfix.configDir, '-j'], { timeoutMs: 20_000 });
  return { counts: countQueue(result.stdout), result };
}

export const queueModule = defineActionModule({
  name: 'queue',
  description: 'Flush the Postfix queue (retry deferred mail now). Cannot be undone.',
  args: ARGS,
  data: NO_DATA,
  restore: QUEUE_COUNTS,
  irreversible: 'a flush retries deferred mail now; a delivery attempt that happened cannot be taken back',

  async inspect(ctx) {
    return (await readQueue(ctx)).counts;
  },

  diff(_ctx, _args, q) {
    if (q.deferred === 0) return null;
    return {
      summary: `retry ${q.deferred} deferred message(s) now`,
      diff: [`~ postqueue -f   (${q.deferred} deferred of ${q.total} queued)`],
      data: null,
      intent: { flush: true },
      restore: q,
    };
  },

  async apply(ctx) {
    await mustRun(ctx.exec, ['postqueue', '-c', ctx.facts.postfix.configDir, '-f'], 'postqueue -f', { timeoutMs: 30_000 });
    return undefined;
  },

  // What can be known right after a flush: that the queue manager which carries out the retry is
  // running, and what the queue holds now. Whether the retried mail is delivered depends on its
  // destinations and happens later: a message can be deferred again, so the count proves nothing
  // either way, and it is reported, not judged.
  async verify(ctx, _args, change) {
    const running = await postfixRunning(ctx);
    const evidence = [`postfix status: ${running ? 'running (its queue manager carries out the retry)' : 'NOT running: nothing will retry the deferred mail'}`];
    const { counts: now, result } = await readQueue(ctx);
    const readable = result.exitCode === 0;
    if (readable) evidence.push(`queue: ${now.deferred} deferred of ${now.total} (before the flush: ${change.restore.deferred} of ${change.restore.total}); delivery goes on in the background, and whether it succeeds depends on the destinations`);
    else evidence.push('cannot read the mail queue after the flush:', ...describeResult(result));
    return { ok: running && readable, evidence };
  },
});
