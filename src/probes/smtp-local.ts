// The greeting on this host's own loopback: 127.0.0.1:25 (and 587/465 when something serves
// them), then EHLO to see whether STARTTLS is offered. 465 speaks TLS from the first byte, so
// there a silent connection is expected and only the connect is judged.

import { LOCAL_CONNECT_MS, dial } from './budget.js';
import { meaningOf } from './classify.js';
import { ok, problem, unknown } from './finding.js';
import { describeDial } from '../exec/dial.js';
import { judgeMail, mailOptions } from './mail.js';
import { servedPorts } from './smtp-ports.js';
import { noGreeting, startupFatal } from './startup-fatal.js';
import type { Finding, Probe } from './types.js';

export const smtpLocalProbe: Probe = {
  name: 'smtp_banner',
  description: 'SMTP greeting and STARTTLS on 127.0.0.1',
  timeoutMs: 3_000,
  causes: ['smtp-no-banner', 'smtp-banner-rejects', 'starttls-missing', 'firewall-blocks-smtp', 'postfix-stopped', 'smtp-service-disabled', 'loopback-only', 'mail-refused', 'smtpd-dies-at-startup'],
  async run(ctx) {
    const ports = servedPorts(ctx.facts);
    // On 25 the same connection goes on to MAIL/RCPT: a greeting alone proves nothing.
    const mail = mailOptions(ctx.facts);
    const results = await Promise.all(ports.map((port) => dial(ctx, '127.0.0.1', port, { connectMs: LOCAL_CONNECT_MS, bannerMs: 2_500, ehlo: port !== 465, ...(port === 25 && mail ? { mail } : {}) })));
    const out: Finding[] = [];
    for (const r of results) {
      // Only Postfix's answers are Postfix's refusals: another MTA on the port is its own finding.
      if (r.port !== 25 || !mail || meaningOf(ctx.facts, r).status !== 'ok') continue;
      const judged = await judgeMail(ctx, 'smtp_mail', r, 'from 127.0.0.1', mail.to);
      if (judged) out.push(judged);
    }
    for (const r of results) {
      const evidence = [describeDial(r)];
      if (r.port === 465 && r.outcome === 'banner-timeout') {
        out.push(ok('smtp_banner', '127.0.0.1:465 accepts connections (implicit TLS: no plain-text greeting expected)', evidence));
        continue;
      }
      const dying = noGreeting(r) ? await startupFatal(ctx) : null;
      if (dying) {
        out.push(
          problem('fail', 'smtp_banner', 'smtpd-dies-at-startup', [...evidence, ...dying.fatal.lines.map((l) => `${dying.source}: ${l}`)], {
            title: `127.0.0.1:${r.port} gives no banner: smtpd dies at start-up (fatal: ${dying.fatal.message})`,
            human: {
              reason: `every smtpd exits as it starts: "${dying.fatal.message}"`,
              steps: [
                'Fix what the fatal line names (a SASL backend that is down, a certificate or table smtpd must open, a bad -o override in master.cf), then `postfix reload`',
                'After such failures the master waits 60 s before it starts smtpd again ("throttling"): a reload ends the wait',
              ],
            },
          }),
        );
        continue;
      }
      const m = meaningOf(ctx.facts, r);
      if (m.status === 'unknown') out.push(unknown('smtp_banner', `could not judge 127.0.0.1:${r.port}`, [...evidence, m.why]));
      else if (m.status === 'ok') out.push(greeted(r.port, r.ehlo, r.outcome === 'banner' ? evidence : [...evidence, m.why], r.outcome === 'banner'));
      else out.push(problem(m.status, 'smtp_banner', m.cause as string, [...evidence, m.why], { title: `connection to 127.0.0.1:${r.port} ${m.short}` }));
    }
    return out;
  },
};

function greeted(port: number, ehlo: string[] | undefined, evidence: string[], banner: boolean): Finding {
  if (!banner) return ok('smtp_banner', `127.0.0.1:${port} is not served`, evidence);
  if (ehlo === undefined || ehlo.length === 0) return ok('smtp_banner', `127.0.0.1:${port} greets`, [...evidence, 'EHLO not answered: STARTTLS unknown']);
  const tls = ehlo.some((k) => k.toUpperCase() === 'STARTTLS');
  if (tls) return ok('smtp_banner', `127.0.0.1:${port} greets and offers STARTTLS`, evidence);
  const keywords = `EHLO keywords: ${ehlo.join(', ')}`;
  // On 25 TLS is opportunistic: senders deliver in the clear when it is missing, so it is a note,
  // not an alarm. Submission clients refuse to log in without it: there it is a problem.
  if (port === 25) return ok('smtp_banner', '127.0.0.1:25 greets (no STARTTLS: mail arrives unencrypted)', [...evidence, keywords]);
  return problem('warn', 'smtp_banner', 'starttls-missing', [...evidence, keywords], { title: `127.0.0.1:${port} does not offer STARTTLS` });
}
