// queue: ask Postfix to retry deferred mail now (`postqueue -f`). Nothing to restore afterwards:
// a flush only moves delivery attempts earlier.

import { mustRun } from '../../exec/command.js';
import type { ActionModule, Change, ModuleContext, Outcome } from '../types.js';

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['flush'],
  properties: { flush: { const: true } },
};

/** Messages in the queue by queue name, from `postqueue -j` (one JSON object per line, Postfix ≥ 3.1). */
export function countQueue(jsonLines: string): { total: number; deferred: number } {
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

async function readQueue(ctx: ModuleContext): Promise<{ total: number; deferred: number }> {
  const r = await ctx.exec.run(['postqueue', '-c', ctx.facts.postfix.configDir, '-j'], { timeoutMs: 20_000 });
  return countQueue(r.stdout);
}

export const queueModule: ActionModule = {
  name: 'queue',
  description: 'Flush the Postfix queue (retry deferred mail now).',
  argsSchema,
  async inspect(ctx) {
    return readQueue(ctx);
  },
  diff(_ctx, _args, raw) {
    const q = raw as { total: number; deferred: number };
    if (q.deferred === 0) return null;
    const change: Change = {
      summary: `retry ${q.deferred} deferred message(s) now`,
      diff: [`~ postqueue -f   (${q.deferred} deferred of ${q.total} queued)`],
      data: null,
      intent: { flush: true },
      restore: q,
    };
    return change;
  },
  async apply(ctx) {
    await mustRun(ctx.exec, ['postqueue', '-c', ctx.facts.postfix.configDir, '-f'], 'postqueue -f', { timeoutMs: 30_000 });
    return undefined;
  },
  async verify(ctx): Promise<Outcome> {
    const q = await readQueue(ctx);
    return { ok: true, evidence: [`flush requested; now ${q.deferred} deferred of ${q.total} queued (delivery continues in the background)`] };
  },
  async undo(): Promise<Outcome> {
    return { ok: true, evidence: ['nothing to undo: a flush only retried delivery sooner'] };
  },
};
