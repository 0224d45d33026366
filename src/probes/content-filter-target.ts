// content_filter = transport:nexthop → where Postfix hands mail to: `smtp:[127.0.0.1]:10024`,
// `amavis:[::1]:10024`, `lmtp:unix:/run/filter.sock`, `scan:localhost` (port 25 by default).

export type ContentFilterTarget = { kind: 'inet'; transport: string; host: string; port: number } | { kind: 'unix'; transport: string; path: string };

export function contentFilterTarget(value: string): ContentFilterTarget | null {
  const v = value.trim();
  if (v === '') return null;
  const colon = v.indexOf(':');
  if (colon < 0) return null;
  const transport = v.slice(0, colon);
  const next = v.slice(colon + 1);
  if (next.startsWith('unix:')) return { kind: 'unix', transport, path: next.slice(5) };
  if (next.startsWith('inet:')) return contentFilterTarget(`${transport}:${next.slice(5)}`);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(next);
  if (bracketed) return { kind: 'inet', transport, host: bracketed[1] as string, port: bracketed[2] ? Number(bracketed[2]) : 25 };
  const plain = /^([^:]+)(?::(\d+))?$/.exec(next);
  if (plain) return { kind: 'inet', transport, host: plain[1] as string, port: plain[2] ? Number(plain[2]) : 25 };
  return null;
}
