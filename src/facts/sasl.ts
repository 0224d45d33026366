// Is there a SASL backend smtpd could authenticate clients against — even before Postfix is told
// to use one? Turning on a service that requires AUTH (submission) without one would refuse every
// client (smtpd: "fatal: no SASL authentication mechanisms"), so the runbook that enables it needs
// to know, and to say which backend it found or what it tried.
// Looked for, in order: the backend main.cf already names (Dovecot's socket), Dovecot's auth
// socket where every guide puts it (private/auth in the queue directory), saslauthd's socket with
// Cyrus SASL configured to use it (smtpd.conf: pwcheck_method: saslauthd).

import { join } from 'node:path';
import { connectEndpoint } from '../exec/endpoint.js';
import type { FactContext } from './context.js';
import type { SaslFacts } from './types.js';

const DOVECOT_USUAL = 'private/auth';

interface Tried {
  what: string;
  path: string;
  detail: string;
}

async function answers(ctx: FactContext, path: string): Promise<{ answers: boolean; detail: string }> {
  const a = await connectEndpoint({ transport: 'unix', path: ctx.fs.resolve(path) }, Math.max(50, Math.min(1_000, ctx.deadline - Date.now())));
  return { answers: a.answers, detail: a.detail };
}

/** Cyrus SASL's configuration for smtpd, where Debian and upstream keep it. */
async function cyrusUsesSaslauthd(ctx: FactContext, configDir: string): Promise<string | null> {
  for (const file of [join(configDir, 'sasl', 'smtpd.conf'), '/etc/sasl2/smtpd.conf', '/usr/lib/sasl2/smtpd.conf']) {
    const text = await ctx.fs.tryReadText(file).catch(() => null);
    if (text !== null && /^\s*pwcheck_method\s*:\s*saslauthd\b/m.test(text)) return file;
  }
  return null;
}

export async function gatherSasl(ctx: FactContext, input: { params: Readonly<Record<string, string>>; queueDir: string; configDir: string; chrooted: boolean }): Promise<SaslFacts> {
  const tried: Tried[] = [];
  const p = input.params;
  const inQueue = (path: string): string => (path.startsWith('/') && !input.chrooted ? path : join(input.queueDir, path));

  // 1. Dovecot, where main.cf already points (then also where every guide puts it).
  const dovecotPaths = [...new Set([...(p.smtpd_sasl_type === 'dovecot' && p.smtpd_sasl_path ? [p.smtpd_sasl_path] : []), DOVECOT_USUAL])];
  for (const path of dovecotPaths) {
    const at = inQueue(path);
    const a = await answers(ctx, at);
    if (a.answers) return { available: true, type: 'dovecot', path, detail: `Dovecot's auth socket ${at} answers` };
    tried.push({ what: "Dovecot's auth socket", path: at, detail: a.detail });
  }

  // 2. saslauthd through Cyrus SASL: a chrooted smtpd finds its socket inside the queue directory.
  const muxes = input.chrooted ? [join(input.queueDir, 'var/run/saslauthd/mux')] : ['/run/saslauthd/mux', '/var/run/saslauthd/mux'];
  for (const mux of muxes) {
    const a = await answers(ctx, mux);
    if (!a.answers) {
      tried.push({ what: 'saslauthd', path: mux, detail: a.detail });
      continue;
    }
    const conf = await cyrusUsesSaslauthd(ctx, input.configDir);
    if (conf) return { available: true, type: 'cyrus', path: 'smtpd', detail: `saslauthd answers at ${mux} (${conf}: pwcheck_method: saslauthd)` };
    tried.push({ what: 'saslauthd', path: mux, detail: `answers, but Cyrus SASL is not set up to use it (no pwcheck_method: saslauthd in ${join(input.configDir, 'sasl', 'smtpd.conf')})` });
  }
  return { available: false, type: null, path: null, detail: `no SASL backend answers: ${tried.map((t) => `${t.what} ${t.path} → ${t.detail}`).join('; ')}` };
}
