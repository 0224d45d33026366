// Addresses and networks as numbers, so "is this network inside one of the host's networks?" is
// arithmetic rather than string matching. IPv4-mapped IPv6 (`::ffff:127.0.0.0/104`) is kept as
// IPv6, the way Postfix writes it in mynetworks.

export interface Cidr {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  base: bigint;
  prefix: number;
}

export function parseIp(text: string): { family: 4 | 6; value: bigint } | null {
  const s = text.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255)) return null;
    return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (!s.includes(':') || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  // A dotted IPv4 tail (`::ffff:1.2.3.4`) becomes two hex groups, then the usual rules apply.
  let head = s;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIp(s.slice(lastColon + 1));
    if (!v4 || v4.family !== 4) return null;
    head = `${s.slice(0, lastColon + 1)}${(v4.value >> 16n).toString(16)}:${(v4.value & 0xffffn).toString(16)}`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const toGroups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  const left = toGroups(halves[0] as string);
  const right = halves.length === 2 ? toGroups(halves[1] as string) : [];
  if (halves.length === 1 && left.length !== 8) return null;
  if (left.length + right.length > (halves.length === 2 ? 7 : 8)) return null;
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  return { family: 6, value };
}

/** `10.0.0.0/8`, `[::1]/128`, `192.0.2.7` (a host), `[fd00::]/64`. */
export function parseCidr(text: string): Cidr | null {
  const m = /^\[?([^\]/]+)\]?(?:\/(\d{1,3}))?$/.exec(text.trim());
  if (!m) return null;
  const ip = parseIp(m[1] as string);
  if (!ip) return null;
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = m[2] === undefined ? bits : Number(m[2]);
  if (prefix > bits) return null;
  return { family: ip.family, base: mask(ip.value, prefix, bits), prefix };
}

function mask(value: bigint, prefix: number, bits: number): bigint {
  if (prefix === 0) return 0n;
  const hostBits = BigInt(bits - prefix);
  return (value >> hostBits) << hostBits;
}

/** Is `inner` entirely inside `outer`? */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || inner.prefix < outer.prefix) return false;
  const bits = outer.family === 4 ? 32 : 128;
  return mask(inner.base, outer.prefix, bits) === outer.base;
}

export function formatCidr(c: Cidr): string {
  if (c.family === 4) {
    const parts = [24n, 16n, 8n, 0n].map((s) => String((c.base >> s) & 0xffn));
    return `${parts.join('.')}/${c.prefix}`;
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((c.base >> BigInt(i * 16)) & 0xffffn).toString(16).padStart(4, '0'));
  return `[${groups.join(':')}]/${c.prefix}`;
}

/** Link-local addresses (fe80::/10, 169.254/16) need a scope to dial and never carry public mail. */
export function isLinkLocal(address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  if (ip.family === 4) return ip.value >> 16n === 0xa9fen;
  return ip.value >> 118n === 0x3fan;
}

export function isLoopbackIp(address: string): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  if (ip.family === 4) return ip.value >> 24n === 127n;
  return ip.value === 1n || ip.value >> 24n === 0xffff7fn; // ::1, ::ffff:127.0.0.0/104
}
