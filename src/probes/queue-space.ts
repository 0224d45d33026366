// Free space for the queue: smtpd refuses mail with "452 4.3.1 Insufficient system storage" at
// MAIL FROM when the queue's file system has less free than 1.5 × message_size_limit or
// queue_minfree, whichever is more (measured in the lab). Nothing a runbook can free safely.

import { runProbeCommand } from './budget.js';
import { ok, problem, unknown } from './finding.js';
import type { Probe } from './types.js';

export const queueSpaceProbe: Probe = {
  name: 'queue_space',
  description: 'free space where the queue lives',
  timeoutMs: 1_500,
  causes: ['queue-space-low'],
  async run(ctx) {
    const { postfix } = ctx.facts;
    if (!postfix.installed) return [];
    const r = await runProbeCommand(ctx, ['df', '-Pk', postfix.queueDir], 1_000);
    const line = r.stdout.trim().split('\n')[1] ?? '';
    const availKb = Number(line.trim().split(/\s+/)[3]);
    if (r.exitCode !== 0 || !Number.isFinite(availKb)) return [unknown('queue_space', `could not read the free space of ${postfix.queueDir}`, [r.stderr.trim() || `df exited ${r.exitCode}`])];
    const free = availKb * 1024;
    const minfree = Number(postfix.params.queue_minfree ?? 0) || 0;
    const sizeLimit = Number(postfix.params.message_size_limit ?? 10_240_000) || 0;
    const needed = Math.max(minfree, Math.ceil(1.5 * sizeLimit));
    const evidence = [`${postfix.queueDir}: ${mib(free)} free`, `smtpd needs ${mib(needed)} (max of queue_minfree ${mib(minfree)} and 1.5 × message_size_limit ${mib(sizeLimit)})`];
    if (free < needed) {
      return [
        problem('fail', 'queue_space', 'queue-space-low', evidence, {
          title: `the queue's file system has ${mib(free)} free, less than the ${mib(needed)} smtpd needs: every mail gets 452 4.3.1 at MAIL FROM`,
          human: { reason: 'freeing disk space is a decision about what to delete', steps: [`Free space on the file system of ${postfix.queueDir} (df -h ${postfix.queueDir}; large logs, old backups)`, 'Or, when queue_minfree was set too high on purpose, lower it: postconf -e queue_minfree=…'] },
        }),
      ];
    }
    return [ok('queue_space', `${mib(free)} free for the queue (smtpd needs ${mib(needed)})`, evidence)];
  },
};

function mib(bytes: number): string {
  return bytes >= 10 * 1024 * 1024 * 1024 ? `${(bytes / 1024 ** 3).toFixed(0)} GiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
