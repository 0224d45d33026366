// A file's mode and ownership, with owner names resolved on the host.

import type { HostFs } from '../core/host-fs.js';
import type { Accounts } from './accounts.js';
import type { FileStat } from './types.js';

export async function statFile(fs: HostFs, path: string, accounts: Accounts): Promise<FileStat> {
  const s = await fs.stat(path);
  if (!s) return { path, exists: false, mode: null, uid: null, gid: null, owner: null, group: null };
  return {
    path,
    exists: true,
    mode: s.mode & 0o7777,
    uid: s.uid,
    gid: s.gid,
    owner: accounts.users.get(s.uid) ?? null,
    group: accounts.groups.get(s.gid) ?? null,
  };
}
