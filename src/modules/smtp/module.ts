// smtp (check): connect to an SMTP port and compare what happens with what is expected.
// `host: non-loopback` means every non-loopback address of this host, which is how
// "Postfix now listens beyond loopback" is proven from the host itself.

import type { DialResult } from '../../core/dial.js';
import { describeDial } from '../../exec/dial.js';
import { defineCheckModule } from '../define.js';
import type { ModuleContext } from '../types.js';

const PORT = { type: 'integer', minimum: 1, maximum: 65535 } as const;

const ARGS = {
  type: 'object',
  additionalProperties: false,
  required: ['port'],
  properties: {
    host: { type: 'string', minLength: 1, default: '127.0.0.1', description: 'An address, or "non-loopback" for all of this host\'s non-loopback addresses.' },
    port: { oneOf: [PORT, { type: 'array', minItems: 1, items: PORT }] },
    expect: { enum: ['banner', 'refused', 'no-banner'], default: 'banner', description: 'banner: a 220 greeting; refused: nothing listens; no-banner: anything but a greeting.' },
    timeout_ms: { type: 'integer', minimum: 100, maximum: 30000, default: 3000 },
    banner_matches: { type: 'string', minLength: 1, description: 'A regular expression the 220 greeting must match (e.g. "Postfix", so another MTA does not pass).' },
  },
} as const;

function targets(ctx: ModuleContext, host: string): string[] {
  if (host !== 'non-loopback') return [host];
  return ctx.facts.network.interfaces
    .filter((i) => !i.loopback && i.up)
    .flatMap((i) => i.addresses.filter((a) => a.family === 4 || !a.address.startsWith('fe80:')).map((a) => a.address));
}

export const smtpCheck = defineCheckModule({
  name: 'smtp',
  description: 'Connect to an SMTP port and check for a banner (or a refusal).',
  args: ARGS,
  describe({ host, port, expect, banner_matches }) {
    return `${expect}${banner_matches ? ` matching /${banner_matches}/` : ''} on ${host}:${Array.isArray(port) ? port.join(',') : String(port)}`;
  },
  async check(ctx, { host, port, expect, timeout_ms: timeoutMs, banner_matches }) {
    const ports = Array.isArray(port) ? port : [port];
    const hosts = targets(ctx, host);
    if (hosts.length === 0) return { ok: false, evidence: ['this host has no non-loopback address to test'] };
    const results = await Promise.all(hosts.flatMap((h) => ports.map((p) => ctx.dialer(h, p, { connectTimeoutMs: timeoutMs, bannerTimeoutMs: timeoutMs, deadline: Math.min(ctx.deadline, Date.now() + 2 * timeoutMs) }))));
    const pattern = banner_matches ? new RegExp(banner_matches) : null;
    // A greeting that refuses (4xx/5xx) is not the banner a client needs.
    const good = (r: DialResult): boolean =>
      expect === 'banner' ? r.outcome === 'banner' && r.code === 220 && (pattern === null || pattern.test(r.banner ?? '')) : expect === 'refused' ? r.outcome === 'refused' : r.outcome !== 'banner';
    return { ok: results.every(good), evidence: results.map(describeDial) };
  },
});
