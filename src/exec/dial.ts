// A TCP connect to an SMTP port, in-process with node:net (no command to spawn, and every outcome
// distinguishable): the way a connection fails *is* the diagnosis.
//   banner          connected and got a greeting (220, or a 4xx/5xx refusal)
//   refused         RST: nothing listens, or a REJECT --reject-with tcp-reset
//   unreachable     ICMP unreachable/admin-prohibited: nft/firewalld reject, no route
//   timeout         no answer to the SYN: a DROP rule (or a black hole upstream)
//   banner-timeout  connected, but no greeting in time (a proxy, a stuck smtpd, slow DNS)
// Optionally EHLO afterwards, to see whether STARTTLS is offered, and then a sender's first steps
// (MAIL, RCPT, RSET: never DATA) to see whether mail is accepted at all; then QUIT.

import { Socket } from 'node:net';
import type { DialResult, Dialer, SmtpReply } from '../core/dial.js';

// EACCES/EPERM: this host's own OUTPUT rules refused the SYN before it left.
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EACCES', 'EPERM']);

type Phase = 'connect' | 'banner' | 'EHLO' | 'MAIL' | 'RCPT' | 'RSET';

export const dialSmtp: Dialer = (host, port, options) =>
  new Promise<DialResult>((resolve) => {
    const started = Date.now();
    const socket = new Socket();
    let settled = false;
    let phase: Phase = 'connect';
    let buffer = '';
    let greeting: { banner: string; code: number } | null = null;
    let ehlo: string[] | undefined;
    const dialogue: SmtpReply[] = [];
    let timer: NodeJS.Timeout | null = null;
    const wantEhlo = options.ehlo === true || options.mail !== undefined;

    const spoken = (): Partial<DialResult> => ({ ...(greeting ?? {}), ...(ehlo !== undefined ? { ehlo } : {}), ...(options.mail ? { dialogue } : {}) });
    const finish = (r: Omit<DialResult, 'host' | 'port' | 'ms'>): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (greeting && !socket.destroyed) {
        // Say goodbye properly: a client that just hangs up is logged as "lost connection after
        // CONNECT", and diagnose must not create the very pattern it looks for. The close
        // finishes in the background; a server that never answers QUIT is cut off shortly.
        socket.end('QUIT\r\n');
        setTimeout(() => socket.destroy(), 1_000).unref();
      } else socket.destroy();
      resolve({ host, port, ms: Date.now() - started, ...r });
    };
    const arm = (ms: number, onExpire: () => void): void => {
      if (timer) clearTimeout(timer);
      const capped = options.deadline === undefined ? ms : Math.min(ms, options.deadline - Date.now());
      timer = setTimeout(onExpire, Math.max(1, capped));
    };
    const send = (next: Phase, line: string): void => {
      phase = next;
      socket.write(`${line}\r\n`);
      arm(options.bannerTimeoutMs, () => {
        if (next !== 'RSET') dialogue.push({ command: next as SmtpReply['command'], code: 0, text: `no reply within ${options.bannerTimeoutMs} ms` });
        finish({ outcome: 'banner', ...spoken(), detail: `no answer to ${next}` });
      });
    };

    socket.setNoDelay(true);
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? e.message;
      if (phase === 'connect') {
        if (code === 'ECONNREFUSED') return finish({ outcome: 'refused', detail: code });
        if (UNREACHABLE.has(code)) return finish({ outcome: 'unreachable', detail: code });
        if (code === 'ETIMEDOUT') return finish({ outcome: 'timeout', detail: code });
        return finish({ outcome: 'error', detail: code });
      }
      if (greeting) return finish({ outcome: 'banner', ...spoken(), detail: `${code} after the greeting` });
      finish({ outcome: 'error', detail: `${code} before any greeting` });
    });
    socket.on('close', () => {
      if (greeting) finish({ outcome: 'banner', ...spoken(), ...(phase !== 'banner' && phase !== 'RSET' ? { detail: `closed by the server after ${phase}` } : {}) });
      else finish({ outcome: 'error', detail: phase === 'connect' ? 'closed' : 'closed by the server before any greeting' });
    });
    socket.on('connect', () => {
      phase = 'banner';
      arm(options.bannerTimeoutMs, () => {
        // postscreen sends the first line of a multi-line greeting (`220-…`) at once and the rest
        // only after its pregreet pause (6 s by default): that is a greeting, not silence.
        const first = /^(\d{3})-(.*)\r?\n/.exec(buffer);
        if (first) return finish({ outcome: 'banner', code: Number(first[1]), banner: `${first[1]}-${first[2] ?? ''}`, detail: 'multi-line greeting still incomplete (postscreen pregreet pause?)' });
        finish({ outcome: 'banner-timeout', detail: `no greeting within ${options.bannerTimeoutMs} ms` });
      });
    });
    socket.on('data', (chunk: Buffer) => {
      // Settled: what follows is the answer to our QUIT (221), not the next step of a dialogue —
      // taking it for one would send RSET and arm a timer that keeps the process alive.
      if (settled) return;
      buffer += chunk.toString('latin1');
      const reply = completeReply(buffer);
      if (!reply) {
        if (buffer.length > 64 * 1024) finish({ outcome: 'error', detail: 'reply too long' });
        return;
      }
      buffer = '';
      const text = reply.lines.join(' ');
      switch (phase) {
        case 'banner':
          greeting = { banner: reply.lines[0] ?? '', code: reply.code };
          if (!wantEhlo || reply.code !== 220) return finish({ outcome: 'banner', ...spoken() });
          return send('EHLO', `EHLO ${options.heloName ?? 'postfix-fix.invalid'}`);
        case 'EHLO':
          ehlo = reply.code === 250 ? reply.lines.slice(1).map((l) => l.slice(4).trim()) : [];
          if (!options.mail) return finish({ outcome: 'banner', ...spoken() });
          dialogue.push({ command: 'EHLO', code: reply.code, text });
          if (reply.code !== 250) return finish({ outcome: 'banner', ...spoken() });
          return send('MAIL', `MAIL FROM:<${options.mail.from}>`);
        case 'MAIL':
        case 'RCPT':
          dialogue.push({ command: phase, code: reply.code, text });
          if (reply.code < 200 || reply.code > 299) return finish({ outcome: 'banner', ...spoken() });
          if (phase === 'MAIL') return send('RCPT', `RCPT TO:<${options.mail?.to ?? ''}>`);
          // The transaction is abandoned before DATA: nothing is queued.
          return send('RSET', 'RSET');
        default:
          return finish({ outcome: 'banner', ...spoken() });
      }
    });

    arm(options.connectTimeoutMs, () => finish({ outcome: 'timeout', detail: `no answer to the connection attempt within ${options.connectTimeoutMs} ms` }));
    socket.connect({ host, port });
  });

/** A complete SMTP reply: lines `250-…` continue, `250 …` ends. null while incomplete. */
export function completeReply(text: string): { code: number; lines: string[] } | null {
  const all = text.split(/\r?\n/);
  all.pop(); // whatever follows the last newline is still arriving
  for (let i = 0; i < all.length; i++) {
    const m = /^(\d{3})([ -]?)(.*)$/.exec(all[i] as string);
    if (!m) return { code: 0, lines: all.slice(0, i + 1) };
    if (m[2] !== '-') return { code: Number(m[1]), lines: all.slice(0, i + 1) };
  }
  return null;
}

export function describeDial(r: DialResult): string {
  const where = r.host.includes(':') ? `[${r.host}]:${r.port}` : `${r.host}:${r.port}`;
  switch (r.outcome) {
    case 'banner':
      return `${where} → banner "${r.banner ?? ''}" (${r.ms} ms)`;
    case 'refused':
      return `${where} → refused (TCP reset, ${r.ms} ms)`;
    case 'unreachable':
      return `${where} → unreachable (ICMP ${r.detail ?? ''}, ${r.ms} ms)`;
    case 'timeout':
      return `${where} → timeout (no answer to SYN in ${r.ms} ms: packets dropped)`;
    case 'banner-timeout':
      return `${where} → connected but no banner (${r.detail ?? ''})`;
    default:
      return `${where} → error: ${r.detail ?? 'unknown'} (${r.ms} ms)`;
  }
}
