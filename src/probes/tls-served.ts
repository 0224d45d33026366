// A certificate renewed on disk that smtpd does not serve: certbot (or an admin) replaced the
// files, nobody reloaded Postfix, and clients keep getting the old certificate — until it expires
// and they refuse it. Said from this host: STARTTLS from loopback shows what a client gets now,
// and the smtpd processes older than the file show who would serve the old one next.

import { probeBudget } from './budget.js';
import { notReloaded, servedTlsState } from '../facts/tls-served.js';
import type { ServedTlsState } from '../facts/tls-served.js';
import { ok, problem, unknown } from './finding.js';
import type { Finding, Probe } from './types.js';

const short = (fp: string): string => `${fp.slice(0, 11)}…`;

export function describeServed(s: ServedTlsState): string[] {
  const where = `${s.service} (${s.mode === 'implicit' ? 'TLS' : 'STARTTLS'} on ${s.host}:${s.port})`;
  const lines = [`${where} is configured with ${s.certFile}`];
  if (s.disk) lines.push(`on disk: sha256 ${short(s.disk.fingerprint256)}, valid ${s.disk.notBefore} → ${s.disk.notAfter}, written ${new Date(s.disk.mtimeMs).toISOString()}`);
  const c = s.served.certificate;
  lines.push(c ? `served now: sha256 ${short(c.fingerprint256)}, valid ${c.notBefore} → ${c.notAfter}${s.disk && c.fingerprint256 === s.disk.fingerprint256 ? ' (the file on disk)' : ''}` : `served now: nothing (${s.served.detail})`);
  if (s.staleProcesses.length > 0) lines.push(`${s.staleProcesses.length} smtpd process(es) of ${s.service} started before the file was written (pid ${s.staleProcesses.map((p) => `${p.pid} at ${p.startedAt}`).join(', ')}): each serves what the file held when it started`);
  return lines;
}

export const tlsServedProbe: Probe = {
  name: 'tls-served',
  description: 'smtpd serves the TLS certificate that is on disk (not one loaded before a renewal)',
  timeoutMs: 1_000,
  causes: ['tls-certificate-not-reloaded'],
  async run(ctx) {
    const { postfix } = ctx.facts;
    if (!postfix.installed || !postfix.running) return [];
    let states: ServedTlsState[];
    try {
      states = await servedTlsState(ctx, probeBudget(ctx, 800));
    } catch (e) {
      return [unknown('tls-served', 'could not compare the certificate smtpd serves with the one on disk', [(e as Error).message])];
    }
    if (states.length === 0) return [];
    const stale = states.filter(notReloaded);
    if (stale.length === 0) {
      const seen = states.filter((s) => s.served.ok);
      return seen.length === 0 ? [] : [ok('tls-served', `smtpd serves the certificate on disk (${seen.map((s) => `${s.host}:${s.port}`).join(', ')})`, seen.flatMap(describeServed))];
    }
    return stale.map((s): Finding => {
      const served = s.served.certificate;
      const expired = served !== undefined && Date.parse(served.notAfter) <= Date.now();
      const old = served && s.disk && served.fingerprint256 !== s.disk.fingerprint256 ? served : null;
      const title = old
        ? `${s.service} serves an older certificate than ${s.certFile} (${expired ? `expired ${old.notAfter}` : `valid until ${old.notAfter}`}): it was renewed on disk, and Postfix not reloaded`
        : `${s.staleProcesses.length} smtpd process(es) of ${s.service} started before ${s.certFile} was renewed: they serve the old certificate to their next clients until Postfix is reloaded`;
      return problem(expired ? 'fail' : 'warn', 'tls-served', 'tls-certificate-not-reloaded', [...describeServed(s), 'smtpd reads its certificate when a process starts; `postfix reload` replaces the processes'], { title });
    });
  },
};
