// Past the banner: does Postfix accept a mail to postmaster? A server can greet every client and
// still refuse every mail (a lookup table never built, a milter or policy service down): the
// greeting alone proves nothing. The banner probes dial with `mail` (EHLO, MAIL FROM:<>, RCPT
// TO:<postmaster@a local domain>, RSET — never DATA), and this judges the replies, explaining a
// refusal with the log lines smtpd wrote for that very session.

import type { DialResult, SmtpReply } from '../core/dial.js';
import { cidrContains, parseCidr } from '../facts/cidr.js';
import { meaningOf } from './classify.js';
import type { Facts } from '../facts/types.js';
import { ok, problem } from './finding.js';
import { readLogTails } from './logs/sources.js';
import type { Finding, ProbeContext } from './types.js';


// Where postmaster lives: shared with the `mail` check module, so it sits with the facts.
export { PROBE_HELO, localDomain } from '../facts/mail-domain.js';
import { PROBE_HELO, localDomain } from '../facts/mail-domain.js';

export function mailOptions(facts: Facts): { from: string; to: string } | undefined {
  const domain = localDomain(facts);
  return domain ? { from: '', to: `postmaster@${domain}` } : undefined;
}

/** The replies, one per line, for evidence: `RCPT → 451 4.3.5 Server configuration error`. */
export function describeDialogue(replies: readonly SmtpReply[]): string[] {
  return replies.map((r) => `${r.command} → ${r.code === 0 ? `(${r.text})` : r.text}`);
}

const refused = (r: SmtpReply): boolean => r.code === 0 || r.code >= 400;

/**
 * Judge the dialogue of a dial that greeted. `seat` says where the dial came from, in words
 * (`from 127.0.0.1`, `from 10.0.0.5, this host's own address`). null when the dial did not get
 * as far as a dialogue (no greeting, postscreen's pregreet pause, a 4xx/5xx greeting: judged by
 * the banner probes).
 */
export async function judgeMail(ctx: ProbeContext, check: string, r: DialResult, seat: string, to: string): Promise<Finding | null> {
  const replies = r.dialogue ?? [];
  const last = replies[replies.length - 1];
  if (!last) return null;
  // Another program holds the port (exim, a proxy): its answers say nothing about Postfix's
  // restrictions, and the banner probes already name it.
  const held = meaningOf(ctx.facts, r).cause;
  if (held === 'port-held-by-mta' || held === 'port-held-by-unknown') return null;
  const where = `${r.host}:${r.port}`;
  const evidence = [`${where}, ${seat}: EHLO ${PROBE_HELO}, MAIL FROM:<>, RCPT TO:<${to}> (then RSET; nothing is sent)`, ...describeDialogue(replies)];
  if (!refused(last)) {
    if (last.command !== 'RCPT') return null;
    return ok(check, `mail to ${to} is accepted ${seat} (up to RCPT)`, evidence);
  }
  const explained = await sessionLog(ctx, r.host === '127.0.0.1' || r.host === '::1' ? ['127.0.0.1', '::1'] : [r.host]);
  const stage = last.code === 0 ? `${last.command} is never answered` : `${last.command} is refused with ${last.code}`;
  return problem('fail', check, 'mail-refused', [...evidence, ...explained], {
    title: `mail to ${to} ${seat}: ${stage}${last.code === 0 ? '' : ` (${last.text.replace(/^\d{3}[ -]/, '')})`}`,
    human: {
      reason: 'Postfix greets, then refuses the mail: the log line(s) above say what smtpd could not use',
      steps: [
        'A lookup table, milter, policy service or SASL backend named in the log line: make it answer, then `postfix reload` (running smtpd processes keep a failed open)',
        `Try it by hand: \`swaks --server ${r.host} --to ${to} --quit-after RCPT\`, or telnet ${r.host} ${r.port} and type EHLO, MAIL FROM:<>, RCPT TO:<${to}>`,
        'A 5xx for postmaster is a refusal of a required address (RFC 5321 §4.5.1): check the restrictions that matched',
      ],
    },
  });
}

const LOG_WAIT_MS = 400;

/**
 * The lines smtpd logged for our session: its reject line and the warnings/errors the same
 * smtpd process wrote just before it (`error: open database …`, `warning: connect to Milter
 * service …`). Logs arrive a moment after the reply; we wait briefly, within the probe's budget.
 */
async function sessionLog(ctx: ProbeContext, clients: readonly string[]): Promise<string[]> {
  const until = Math.min(ctx.deadline - 200, Date.now() + LOG_WAIT_MS);
  for (;;) {
    const { tails } = await readLogTails(ctx);
    for (const tail of tails) {
      const lines = explainingLines(tail.lines, clients);
      if (lines.length > 0) return lines.map((l) => `${tail.source}: ${l}`);
    }
    if (Date.now() + 100 >= until) return tails.length > 0 ? ['(the mail log has no line for this session yet)'] : [];
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** From the newest reject of our session back: that smtpd's warnings and errors, then the reject. */
export function explainingLines(lines: readonly string[], clients: readonly string[]): string[] {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] as string;
    const m = /\bsmtpd\[(\d+)\]: (?:NOQUEUE|[0-9A-F]+): (?:milter-)?reject: (?:MAIL|RCPT) from [^[]*\[([^\]]+)\]/.exec(line);
    if (!m || !clients.includes(m[2] as string) || !line.includes(`helo=<${PROBE_HELO}>`)) continue;
    const pid = m[1] as string;
    const before: string[] = [];
    for (let j = i - 1; j >= 0 && j >= i - 40; j--) {
      const l = lines[j] as string;
      if (!l.includes(`smtpd[${pid}]:`)) continue;
      if (/: connect from /.test(l)) break;
      if (/: (warning|error|fatal): /.test(l)) before.unshift(l);
    }
    return [...before.slice(-3), line];
  }
  return [];
}

/** Whether an address falls inside a literal mynetworks entry (maps and files are not read). */
export function inMynetworks(facts: Facts, address: string): boolean {
  const ip = parseCidr(address);
  if (!ip) return false;
  return (facts.postfix.params.mynetworks ?? '')
    .split(/[\s,]+/)
    .map((e) => parseCidr(e))
    .some((net) => net !== null && cidrContains(net, ip));
}
