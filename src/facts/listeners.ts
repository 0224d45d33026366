// Who listens on which TCP port, with pid and command (`ss -Hltnp`; as root we see every
// process). Without ss: /proc/net/tcp{,6} of PID 1's network namespace, addresses only.

import { FactUnavailable, describeFailure, runTool } from './context.js';
import { parseProcNetTcp } from './proc-net-tcp.js';
import { readPpid } from './processes.js';
import { parseSsListeners, sharedSocketPids } from './ss.js';
import type { FactContext, NoteError } from './context.js';
import type { Facts, Listener } from './types.js';

export async function gatherListeners(ctx: FactContext, note: NoteError): Promise<Listener[]> {
  const r = await runTool(ctx, ['ss', '-Hltnp'], 2_000);
  if (r.exitCode === 0) {
    // Only when a socket is shared outside Postfix (a probe's connection to Exim, say) are
    // parents read: the daemon, not its short-lived child, is who holds the port.
    const shared = sharedSocketPids(r.stdout);
    const parents = new Map(await Promise.all(shared.map(async (pid) => [pid, await readPpid(ctx.fs, pid)] as const)));
    return parseSsListeners(r.stdout, parents);
  }
  const [tcp, tcp6] = await Promise.all([ctx.fs.tryReadText('/proc/1/net/tcp'), ctx.fs.tryReadText('/proc/1/net/tcp6')]);
  if (tcp === null) throw new FactUnavailable(describeFailure(r));
  note('listeners', `${describeFailure(r)}; listeners read from /proc/net/tcp without process names`);
  return [...parseProcNetTcp(tcp, 4), ...(tcp6 ? parseProcNetTcp(tcp6, 6) : [])];
}

/**
 * The listening sockets read again now (a check waiting for a listener, the proof after a run),
 * within 3 s: what went wrong is added to `notes` (a fallback without process names among it);
 * null when neither ss nor /proc could be read.
 */
export async function listenersNow(ctx: FactContext, notes: string[]): Promise<Listener[] | null> {
  return gatherListeners({ ...ctx, deadline: Math.min(ctx.deadline, Date.now() + 3_000) }, (_f, m) => void notes.push(m)).catch((e: Error) => {
    notes.push(e.message);
    return null;
  });
}

/** A Postfix listener: the master behind master.pid, or any process called `master`. */
export function isPostfixListener(facts: Facts, l: Listener): boolean {
  return (facts.postfix.masterPid !== null && l.pid === facts.postfix.masterPid) || l.process === 'master';
}

export function formatListener(l: Listener): string {
  const addr = l.family === 6 && l.address !== '*' ? `[${l.address}]` : l.address;
  const who = l.pid !== null ? `${l.process ?? '?'} (pid ${l.pid})` : 'a process we cannot see';
  return `${addr}:${l.port} held by ${who}`;
}
