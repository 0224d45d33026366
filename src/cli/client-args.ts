// --from and --port, checked before anything runs: an address (IPv4 or IPv6) is taken as it is,
// a name is resolved (the address it resolves to is what every check uses, and what is shown),
// a port outside 1–65535 or a name that does not resolve is a usage error (exit 2).
// Kept light: diagnose parses these before it starts its first command.

import { isIP } from 'node:net';
import { UserError } from '../core/errors.js';
import { parsePort } from '../core/client.js';
import type { ClientQuery } from '../core/client.js';
import { listOpt, stringOpt } from './args.js';
import type { ParsedArgs } from './args.js';

const RESOLVE_MS = 5_000;
const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** The symptom's client and ports; null when neither flag was given. */
export async function clientQuery(a: ParsedArgs, resolve: (name: string) => Promise<string[]> = resolveName): Promise<ClientQuery | null> {
  const from = stringOpt(a, 'from');
  const rawPorts = listOpt(a, 'port');
  if (from === undefined && rawPorts.length === 0) return null;
  const ports: number[] = [];
  for (const raw of rawPorts) {
    const p = parsePort(raw);
    if (p === null) throw new UserError(`--port ${JSON.stringify(raw)}: not a TCP port`, { expected: 'a number from 1 to 65535, e.g. --port 587 (repeat --port for more)' });
    if (!ports.includes(p)) ports.push(p);
  }
  const base = { ports: ports.length > 0 ? ports : null };
  if (from === undefined) return { address: null, name: null, ...base };
  const text = from.trim();
  // An IPv6 address may come bracketed ([2001:db8::1]) or with a zone; Postfix and ss print neither.
  const bare = text.replace(/^\[(.+)\]$/, '$1');
  if (isIP(bare) !== 0) return { address: canonical(bare), name: null, ...base };
  if (!HOSTNAME.test(text) || /^[\d.]+$/.test(text)) {
    throw new UserError(`--from ${JSON.stringify(from)}: not an IP address or a host name`, { expected: 'the client that is refused: an IPv4 or IPv6 address (203.0.113.7, 2001:db8::7) or a name that resolves to one' });
  }
  let addresses: string[];
  try {
    addresses = await resolve(text);
  } catch (e) {
    throw new UserError(`--from ${from}: the name does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { expected: 'an IP address, or a name this host can resolve' });
  }
  const first = addresses.find((x) => isIP(x) === 4) ?? addresses[0];
  if (first === undefined) throw new UserError(`--from ${from}: the name resolves to no address`, { expected: 'an IP address, or a name this host can resolve' });
  return { address: canonical(first), name: text, ...base };
}

async function resolveName(name: string): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${RESOLVE_MS / 1000} s`), { code: 'ETIMEOUT' })), RESOLVE_MS);
  });
  try {
    // Loaded only when a name must be resolved: diagnose parses these flags before anything else.
    const { lookup } = await import('node:dns/promises');
    const found = await Promise.race([lookup(name, { all: true, verbatim: true }), timeout]);
    return found.map((f) => f.address);
  } finally {
    clearTimeout(timer);
  }
}

/** The form `ss`, Postfix and fail2ban print: lower-case, IPv4-mapped IPv6 as plain IPv4. */
function canonical(address: string): string {
  if (isIP(address) !== 6) return address;
  // WHATWG URL parsing compresses an IPv6 address the RFC 5952 way (and maps ::ffff:a.b.c.d).
  const compressed = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(compressed);
  if (!mapped) return compressed;
  const v = (parseInt(mapped[1] as string, 16) << 16) | parseInt(mapped[2] as string, 16);
  return [24, 16, 8, 0].map((s) => (v >>> s) & 255).join('.');
}
