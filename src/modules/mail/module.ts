// mail (check): mail to postmaster is accepted up to RCPT — EHLO, MAIL FROM:<>, RCPT
// TO:<postmaster@a domain this host receives for>, then RSET and QUIT, never DATA, so nothing is
// queued. The greeting proves nothing past itself: milters answer at MAIL, policy services and
// lookup tables at RCPT. By default it dials this host's own (non-loopback) address, where
// Postfix sees a stranger unless mynetworks lists it — from 127.0.0.1, permit_mynetworks would
// skip the very checks that were broken.

import { PROBE_HELO, localDomain } from '../../facts/mail-domain.js';
import { isLinkLocal } from '../../facts/cidr.js';
import { pollUntil } from '../../exec/command.js';
import { describeDial } from '../../exec/dial.js';
import { defineCheckModule } from '../define.js';
import type { ModuleContext } from '../types.js';

const ARGS = {
  type: 'object',
  additionalProperties: false,
  properties: {
    host: { type: 'string', minLength: 1, default: 'own-address', description: 'An address, or "own-address": the first of this host\'s own non-loopback addresses (127.0.0.1 when it has none).' },
    port: { type: 'integer', minimum: 1, maximum: 65535, default: 25 },
    to: { type: 'string', pattern: '^[^\\s<>@]+@[^\\s<>@]+$', description: 'Default: postmaster at a domain this host receives mail for.' },
    timeout_ms: { type: 'integer', minimum: 100, maximum: 30000, default: 5000 },
    wait_ms: {
      type: 'integer',
      minimum: 0,
      maximum: 120000,
      default: 0,
      description: 'While no greeting comes, try again until this much time has passed: an smtpd service that died at start (SASL backend gone) stays throttled by the master for service_throttle_time (60 s) after the cause is fixed, and a reload does not end that (measured).',
    },
  },
} as const;

const RETRY_MS = 1_000;

function ownAddress(ctx: ModuleContext): string {
  const own = ctx.facts.network.interfaces
    .filter((i) => i.up && !i.loopback)
    .flatMap((i) => i.addresses.map((a) => a.address))
    .filter((a) => !isLinkLocal(a));
  return own[0] ?? '127.0.0.1';
}

export const mailCheck = defineCheckModule({
  name: 'mail',
  description: 'Mail to postmaster is accepted up to RCPT (EHLO, MAIL, RCPT, RSET: never DATA).',
  args: ARGS,
  describe({ host, port, to }) {
    return `mail to ${to ?? 'postmaster@(a local domain)'} accepted up to RCPT on ${host === 'own-address' ? "this host's own address" : host}:${port}`;
  },
  async check(ctx, { host, port, to, timeout_ms: timeoutMs, wait_ms: waitMs }) {
    const domain = localDomain(ctx.facts);
    const rcpt = to ?? (domain ? `postmaster@${domain}` : null);
    // A null client receives for no domain: there is no postmaster here to write to.
    if (rcpt === null) return { ok: true, evidence: ['not tried: this host receives mail for no domain (mydestination and the virtual domains name none)'] };
    const target = host === 'own-address' ? ownAddress(ctx) : host;
    let tries = 0;
    const dial = () => {
      tries++;
      return ctx.dialer(target, port, { connectTimeoutMs: timeoutMs, bannerTimeoutMs: timeoutMs, heloName: PROBE_HELO, mail: { from: '', to: rcpt }, deadline: Math.min(ctx.deadline, Date.now() + 4 * timeoutMs) });
    };
    // Only silence is waited out; a refusal in words (4xx/5xx) is the answer.
    const r = await pollUntil(dial, (d) => d.outcome === 'banner', Date.now() + waitMs, RETRY_MS);
    const replies = r.dialogue ?? [];
    const last = replies.at(-1);
    const head = `${target}:${port}: EHLO ${PROBE_HELO}, MAIL FROM:<>, RCPT TO:<${rcpt}> (then RSET; nothing is sent)`;
    const said = replies.filter((x, i) => x.command !== 'EHLO' || i === replies.length - 1).map((x) => `${x.command} → ${x.code === 0 ? `(${x.text})` : x.text}`);
    const waited = tries > 1 ? [`greeted after ${tries} tries (the service was throttled or starting)`] : [];
    if (!last) return { ok: false, evidence: [head, `${describeDial(r)}: no dialogue${tries > 1 ? ` (${tries} tries over ${Math.round(waitMs / 1000)} s)` : ''}`] };
    return { ok: last.command === 'RCPT' && last.code >= 200 && last.code < 300, evidence: [head, ...said, ...waited] };
  },
});
