// User and group names from the host's own /etc/passwd and /etc/group (through HostFs), not this
// process's NSS: in the lab the host is another root, and a name must mean the host's user.

import type { HostFs } from '../core/host-fs.js';

export interface Accounts {
  users: Map<number, string>;
  groups: Map<number, string>;
}

/** `name:x:ID:…` lines → id → name (the first name listed for an id wins, as getpwuid does). */
export function parseIdFile(text: string | null): Map<number, string> {
  const out = new Map<number, string>();
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !f[0] || !/^\d+$/.test(f[2] as string)) continue;
    const id = Number(f[2]);
    if (!out.has(id)) out.set(id, f[0]);
  }
  return out;
}

export async function readAccounts(fs: HostFs): Promise<Accounts> {
  const [passwd, group] = await Promise.all([fs.tryReadText('/etc/passwd'), fs.tryReadText('/etc/group')]);
  return { users: parseIdFile(passwd), groups: parseIdFile(group) };
}
