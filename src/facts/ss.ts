// `ss -Hltnp` → listening TCP sockets. Columns: State Recv-Q Send-Q Local Peer [users:(…)].
// The local address is `0.0.0.0:25`, `[::]:25`, `*:25`, `127.0.0.1%lo:25` (bound to a device);
// the process list is `users:(("master",pid=111,fd=12),…)` and is absent when we may not see it.

import type { Listener } from './types.js';

export function parseSsListeners(text: string): Listener[] {
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
    // A listening socket is shared by everything that inherited it: Postfix's master and each
    // smtpd it spawned. The owner is the master when it is among them, else the first listed.
    const users = [...line.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+)/g)];
    const user = users.find((u) => u[1] === 'master') ?? users[0];
    out.push({
      family: address.includes(':') || address === '*' ? 6 : 4,
      address,
      port,
      pid: user ? Number(user[2]) : null,
      process: user ? (user[1] as string) : null,
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
