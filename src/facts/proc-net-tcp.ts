// /proc/net/tcp and tcp6 → listening sockets, for hosts without `ss`. No process names here: the
// inode would have to be matched against every process's fds, which is what ss is for.

import type { Listener } from './types.js';

const LISTEN = '0A';

export function parseProcNetTcp(text: string, family: 4 | 6): Listener[] {
  const out: Listener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const c = line.trim().split(/\s+/);
    if (c.length < 4 || c[3] !== LISTEN) continue;
    const [hexAddr, hexPort] = (c[1] as string).split(':');
    if (!hexAddr || !hexPort) continue;
    out.push({ family, address: decodeAddress(hexAddr, family), port: parseInt(hexPort, 16), pid: null, process: null });
  }
  return out;
}

/** The kernel prints each 32-bit word of the address in host (little-endian) byte order. */
function decodeAddress(hex: string, family: 4 | 6): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (family === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  const full = groups.join(':');
  // Compress the common cases the way ss prints them.
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  return full.replace(/(^|:)0(:0)+(:|$)/, '::');
}
