// Owner and group names resolved from the host's own /etc/passwd and /etc/group (through HostFs),
// not this process's NSS: the lab aims us at another root, and names must mean the host's users.

import type { HostFs } from '../core/host-fs.js';

function parse(text: string | null): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length >= 3 && f[0] && /^\d+$/.test(f[2] as string)) m.set(f[0], Number(f[2]));
  }
  return m;
}

export async function lookupUid(fs: HostFs, name: string): Promise<number | null> {
  if (/^\d+$/.test(name)) return Number(name);
  return parse(await fs.tryReadText('/etc/passwd')).get(name) ?? null;
}

export async function lookupGid(fs: HostFs, name: string): Promise<number | null> {
  if (/^\d+$/.test(name)) return Number(name);
  return parse(await fs.tryReadText('/etc/group')).get(name) ?? null;
}

export async function nameOfUid(fs: HostFs, uid: number): Promise<string> {
  for (const [n, id] of parse(await fs.tryReadText('/etc/passwd'))) if (id === uid) return n;
  return String(uid);
}

export async function nameOfGid(fs: HostFs, gid: number): Promise<string> {
  for (const [n, id] of parse(await fs.tryReadText('/etc/group'))) if (id === gid) return n;
  return String(gid);
}
