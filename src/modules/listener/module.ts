// listener (check): is Postfix's master the program listening on a port, on the addresses asked
// for? Read from the listening sockets (`ss`), not by connecting: a firewall in front of the port
// cannot mask the answer, so a runbook that makes Postfix listen proves exactly its own layer
// even while another layer (a REJECT rule, say) still keeps clients out.

import { pollUntil } from '../../exec/command.js';
import { parseIp } from '../../facts/cidr.js';
import { formatListener, isPostfixListener, listenersNow } from '../../facts/listeners.js';
import { isLoopbackAddress, isWildcardAddress } from '../../facts/ss.js';
import type { Facts, Listener } from '../../facts/types.js';
import { defineCheckModule } from '../define.js';
import type { Outcome } from '../types.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['port'],
  properties: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    on: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      default: [],
      description: 'The addresses Postfix must listen on, as inet_interfaces names them: "all" (a wildcard listener), "loopback-only", "localhost", or IP addresses. Default: any address.',
    },
    only_postfix: { type: 'boolean', default: true, description: 'Nothing but Postfix may listen on the port (default true): another MTA there fails the check.' },
    wait_ms: { type: 'integer', minimum: 0, maximum: 30000, default: 5000, description: 'How long to look again while the answer is no (a master that just started binds a moment later). Default 5000.' },
  },
} as const;

interface Want {
  port: number;
  on: string[];
  onlyPostfix: boolean;
}

/** Whether `mine` (Postfix's listeners on the port) cover what inet_interfaces-style `on` names. */
function uncovered(mine: readonly Listener[], on: readonly string[]): string[] {
  const wildcard = mine.some((l) => isWildcardAddress(l.address));
  const covers = (address: string): boolean => {
    const ip = parseIp(address);
    return mine.some((l) => l.address === address || (isWildcardAddress(l.address) && (l.address === '*' || ip === null || l.family === ip.family)));
  };
  return on.filter((name) => {
    const token = name.trim().replace(/^\[|\]$/g, '');
    if (token === 'all') return !wildcard;
    if (token === 'loopback-only' || token === 'localhost') return !mine.some((l) => isLoopbackAddress(l.address) || isWildcardAddress(l.address));
    // A host name: what it resolves to is Postfix's business; any listener of ours will do.
    if (parseIp(token) === null) return mine.length === 0;
    return !covers(token);
  });
}

function judge(facts: Facts, listeners: readonly Listener[], w: Want): Outcome {
  const held = listeners.filter((l) => l.port === w.port);
  const mine = held.filter((l) => isPostfixListener(facts, l));
  const foreign = held.filter((l) => l.pid !== null && !isPostfixListener(facts, l));
  const evidence = held.length > 0 ? held.map(formatListener) : [`nothing listens on port ${w.port}`];
  const missing = uncovered(mine, w.on);
  if (mine.length === 0) return { ok: false, evidence: [...evidence, `Postfix does not listen on port ${w.port}`] };
  if (w.onlyPostfix && foreign.length > 0) return { ok: false, evidence: [...evidence, `another program listens on port ${w.port} beside Postfix`] };
  if (missing.length > 0) return { ok: false, evidence: [...evidence, `not covered: ${missing.join(', ')}`] };
  return { ok: true, evidence };
}

export const listenerCheck = defineCheckModule({
  name: 'listener',
  description: 'Postfix (and nothing else) listens on a port, on the addresses asked for — read from the listening sockets, so no firewall can mask it.',
  args: ARGS,
  describe(args) {
    return `Postfix${args.only_postfix ? ' (only)' : ''} listens on port ${args.port}${args.on.length ? ` on ${args.on.join(', ')}` : ''} (ss)`;
  },
  async check(ctx, args) {
    const w: Want = { port: args.port, on: args.on, onlyPostfix: args.only_postfix };
    // The facts' sockets first; then ss again until they are right, or ss itself fails (final).
    let last: Outcome | null = null;
    const look = async (): Promise<Outcome & { final?: boolean }> => {
      if (last === null) return (last = judge(ctx.facts, ctx.facts.listeners, w));
      const notes: string[] = [];
      const now = await listenersNow(ctx, notes);
      if (now === null) return { ok: false, evidence: [...last.evidence, ...notes], final: true };
      return (last = judge(ctx.facts, now, w));
    };
    const { ok, evidence } = await pollUntil(look, (o) => o.ok || o.final === true, Date.now() + args.wait_ms, 250);
    return { ok, evidence };
  },
});
