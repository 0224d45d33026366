import type { Host } from '../host-types.js';
import { pollUntil } from '../wait.js';

export interface QueueBacklogFault {
  kind: 'queue-backlog';
  messages: number;
  /** Unix seconds just before the first message was submitted. */
  submittedFrom: number;
}

// Mail piling up the way it does for a destination that cannot be reached: real messages
// submitted with sendmail to a domain that does not resolve, deferred by Postfix itself. Returns
// once every one of them sits in the deferred queue (postqueue -j says so), not after a guess.
export async function injectQueueBacklog(host: Host, messages = 120): Promise<QueueBacklogFault> {
  const submittedFrom = Math.floor(Date.now() / 1000);
  const script = 'i=0; while [ "$i" -lt "$1" ]; do printf "Subject: backlog %s\\n\\nqueued\\n" "$i" | /usr/sbin/sendmail -f root "user$i@unreachable.invalid" || exit 1; i=$((i + 1)); done';
  await host.execOk(['sh', '-c', script, 'sh', String(messages)], { timeoutMs: 120_000 });
  await pollUntil(
    async () => {
      const r = await host.exec(['postqueue', '-j']);
      const deferred = r.stdout.split('\n').filter((l) => l.includes('"queue_name": "deferred"')).length;
      return deferred >= messages ? true : undefined;
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `${host.name}: ${messages} messages deferred` },
  );
  return { kind: 'queue-backlog', messages, submittedFrom };
}
