// Default routes from /proc/net/route and /proc/net/ipv6_route: does the host have a way out at
// all, and by which interface? (The outbound port 25 check means nothing on a host with no route,
// and the interface a default route leaves by is the one strangers arrive on.)

const RTF_REJECT = 0x0200;

/** IPv4: rows whose destination and mask are both 0 → their interfaces. */
export function ipv4DefaultRouteIfaces(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n').slice(1)) {
    const c = line.trim().split(/\s+/);
    if (c.length >= 8 && c[1] === '00000000' && c[7] === '00000000' && !out.includes(c[0] as string)) out.push(c[0] as string);
  }
  return out;
}

/** IPv6: ::/0 rows, except the kernel's `unreachable` placeholder on lo (flag RTF_REJECT). */
export function ipv6DefaultRouteIfaces(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const c = line.trim().split(/\s+/);
    if (c.length < 10 || !/^0{32}$/.test(c[0] as string) || c[1] !== '00') continue;
    if ((parseInt(c[8] as string, 16) & RTF_REJECT) !== 0) continue;
    const iface = c[9] as string;
    if (!out.includes(iface)) out.push(iface);
  }
  return out;
}
