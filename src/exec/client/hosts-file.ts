// /etc/hosts, read the way the C library's "files" source reads it: a client's own overrides
// (a staging MX, a name only this network knows) count before DNS. Read directly instead of
// through getaddrinfo, whose thread cannot be cancelled when the deadline comes.

import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';

/** The addresses `name` has in a hosts file's text, in file order. */
export function hostsFileAddresses(text: string, name: string): string[] {
  const wanted = name.toLowerCase().replace(/\.$/, '');
  const found: string[] = [];
  for (const raw of text.split('\n')) {
    const [address, ...names] = (raw.split('#')[0] ?? '').trim().split(/\s+/);
    if (!address || isIP(address) === 0) continue;
    if (names.some((n) => n.toLowerCase().replace(/\.$/, '') === wanted) && !found.includes(address)) found.push(address);
  }
  return found;
}

export async function readHostsFile(path = '/etc/hosts'): Promise<string> {
  return readFile(path, 'utf8').catch(() => '');
}
