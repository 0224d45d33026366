// smtp (check): connect to an SMTP port and compare what happens with what is expected.
// `host: non-loopback` means every non-loopback address of this host, which is how
// "Postfix now listens beyond loopback" is proven from the host itself.

import type { DialResult } from '../../core/dial.js';
import type { JsonObject } from '../../core/json.js';
import { describeDial } from '../../exec/dial.js';
import type { CheckModule, ModuleContext, Outcome } from '../types.js';

const argsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['port'],
  properties: {
    host: { type: 'string', minLength: 1, description: 'An address, or "non-loopback" for all of this host\'s non-loopback addresses. Default 127.0.0.1.' },
    port: { oneOf: [{ type: 'integer', minimum: 1, maximum: 65535 }, { type: 'array', minItems: 1, items: { type: 'integer', minimum: 1, maximum: 65535 } }] },
    expect: { enum: ['banner', 'refused', 'no-banner'], description: 'banner (default): a 220 greeting; refused: nothing listens; no-banner: anything but a greeting.' },
    timeout_ms: { type: 'integer', minimum: 100, maximum: 30000 },
    banner_matches: { type: 'string', minLength: 1, description: 'A regular expression the 220 greeting must match (e.g. "Postfix", so another MTA does not pass).' },
  },
};

function targets(ctx: ModuleContext, host: string): string[] {
  if (host !== 'non-loopback') return [host];
  return ctx.facts.network.interfaces
    .filter((i) => !i.loopback && i.up)
    .flatMap((i) => i.addresses.filter((a) => a.family === 4 || !a.address.startsWith('fe80:')).map((a) => a.address));
}

export const smtpCheck: CheckModule = {
  name: 'smtp',
  description: 'Connect to an SMTP port and check for a banner (or a refusal).',
  argsSchema,
  describe(args: JsonObject) {
    const ports = Array.isArray(args.port) ? args.port.join(',') : String(args.port);
    return `${String(args.expect ?? 'banner')}${args.banner_matches ? ` matching /${String(args.banner_matches)}/` : ''} on ${String(args.host ?? '127.0.0.1')}:${ports}`;
  },
  async check(ctx, args): Promise<Outcome> {
    const ports = (Array.isArray(args.port) ? args.port : [args.port]).map(Number);
    const expect = String(args.expect ?? 'banner');
    const hosts = targets(ctx, String(args.host ?? '127.0.0.1'));
    if (hosts.length === 0) return { ok: false, evidence: ['this host has no non-loopback address to test'] };
    const timeoutMs = Number(args.timeout_ms ?? 3000);
    const results = await Promise.all(hosts.flatMap((h) => ports.map((p) => ctx.dialer(h, p, { connectTimeoutMs: timeoutMs, bannerTimeoutMs: timeoutMs, deadline: Math.min(ctx.deadline, Date.now() + 2 * timeoutMs) }))));
    const pattern = args.banner_matches ? new RegExp(String(args.banner_matches)) : null;
    // A greeting that refuses (4xx/5xx) is not the banner a client needs.
    const good = (r: DialResult): boolean =>
      expect === 'banner' ? r.outcome === 'banner' && r.code === 220 && (pattern === null || pattern.test(r.banner ?? '')) : expect === 'refused' ? r.outcome === 'refused' : r.outcome !== 'banner';
    return { ok: results.every(good), evidence: results.map(describeDial) };
  },
};
