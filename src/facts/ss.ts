// `ss -Hltnp` → listening TCP sockets. Columns: State Recv-Q Send-Q Local Peer [users:(…)].
// The local address is `0.0.0.0:25`, `[::]:25`, `*:25`, `127.0.0.1%lo:25` (bound to a device);
// the process list is `users:(("master",pid=111,fd=12),…)` and is absent when we may not see it.

import type { Listener } from './types.js';

/** Each listening socket's holders, in ss's order (a forked child is listed before its parent). */
function holdersOf(line: string): Array<{ process: string; pid: number }> {
  return [...line.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)].map((u) => ({ process: u[1] as string, pid: Number(u[2]) }));
}

/**
 * The pids that share a listening socket with another process not called master: a daemon and
 * the child it forked for a connection. Their parents (`parents` below) tell which one binds.
 */
export function sharedSocketPids(text: string): number[] {
  const pids = new Set<number>();
  for (const line of text.split('\n')) {
    const holders = holdersOf(line);
    if (holders.length > 1 && !holders.some((h) => h.process === 'master')) for (const h of holders) pids.add(h.pid);
  }
  return [...pids];
}

// A listening socket is shared by everything that inherited it: Postfix's master and each smtpd
// it spawned; Exim's or sendmail's daemon and the child serving a connection. The owner is the
// master when it is among them, else the parent of another holder, else a holder whose parent
// is known and holds nothing (the child may already be gone), else the first listed.
function owner(users: Array<{ process: string; pid: number }>, parents: ReadonlyMap<number, number | null>): { process: string; pid: number } | undefined {
  const isHolder = (pid: number | null | undefined): boolean => users.some((u) => u.pid === pid);
  return (
    users.find((u) => u.process === 'master') ??
    users.find((u) => users.some((v) => parents.get(v.pid) === u.pid)) ??
    users.find((u) => typeof parents.get(u.pid) === 'number' && !isHolder(parents.get(u.pid))) ??
    users[0]
  );
}

/**
 * `parents` (pid → ppid) for the pids of `sharedSocketPids`: without it, a socket held by a
 * daemon and its per-connection child is ascribed to the first listed, which is the child.
 */
export function parseSsListeners(text: string, parents: ReadonlyMap<number, number | null> = new Map()): Listener[] {
  const out: Listener[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || !line.startsWith('LISTEN')) continue;
    const cols = line.split(/\s+/);
    const local = cols[3];
    if (local === undefined) continue;
    const sep = local.lastIndexOf(':');
    if (sep <= 0) continue;
    const port = Number(local.slice(sep + 1));
    if (!Number.isInteger(port)) continue;
    let address = local.slice(0, sep);
    if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
    const pct = address.indexOf('%');
    if (pct >= 0) address = address.slice(0, pct);
    const user = owner(holdersOf(line), parents);
    out.push({
      family: address.includes(':') || address === '*' ? 6 : 4,
      address,
      port,
      pid: user ? user.pid : null,
      process: user ? user.process : null,
    });
  }
  return out;
}

const WILDCARDS = new Set(['0.0.0.0', '::', '*']);

export function isWildcardAddress(address: string): boolean {
  return WILDCARDS.has(address);
}

export function isLoopbackAddress(address: string): boolean {
  return address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
}
