// Is the content filter Postfix hands mail to (amavis, a milter-less SMTP filter) up? A filter
// that is down does not refuse connections, but every accepted message piles up deferred.

import { dial } from './budget.js';
import { contentFilterTarget } from './content-filter-target.js';
import { ok, problem, unknown } from './finding.js';
import { describeDial } from '../exec/dial.js';
import type { Probe } from './types.js';

export const contentFilterProbe: Probe = {
  name: 'content_filter',
  description: 'the content filter Postfix hands mail to is up',
  timeoutMs: 3_000,
  causes: ['content-filter-down'],
  async run(ctx) {
    if (!ctx.facts.postfix.installed) return [];
    const value = ctx.facts.postfix.params.content_filter ?? '';
    const target = contentFilterTarget(value);
    if (value.trim() === '') return [ok('content_filter', 'no content_filter configured')];
    if (!target) return [unknown('content_filter', `content_filter = ${value}: not a form we can check`)];
    if (target.kind === 'unix') {
      const st = await ctx.fs.stat(target.path).catch(() => null);
      if (st) return [ok('content_filter', `content filter socket ${target.path} exists`, [`content_filter = ${value}`])];
      return [problem('fail', 'content_filter', 'content-filter-down', [`content_filter = ${value}`, `${target.path} does not exist: the filter is not running`])];
    }
    const r = await dial(ctx, target.host, target.port, { connectMs: 2_000, bannerMs: 2_000 });
    const evidence = [`content_filter = ${value}`, describeDial(r)];
    if (r.outcome === 'banner' && r.code !== undefined && r.code < 400) return [ok('content_filter', `content filter ${target.host}:${target.port} answers`, evidence)];
    if (r.outcome === 'banner') return [problem('fail', 'content_filter', 'content-filter-down', evidence, { title: `content filter ${target.host}:${target.port} answers with ${r.code}` })];
    return [problem('fail', 'content_filter', 'content-filter-down', [...evidence, 'mail Postfix accepts waits in the deferred queue until the filter is back'], { title: `content filter ${target.host}:${target.port} is down` })];
  },
};
