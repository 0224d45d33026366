// A TCP connect to an SMTP port, in-process with node:net (no command to spawn, and every outcome
// distinguishable): the way a connection fails *is* the diagnosis.
//   banner          connected and got a greeting (220, or a 4xx/5xx refusal)
//   refused         RST: nothing listens, or a REJECT --reject-with tcp-reset (Linux reports an
//                   ICMP port-unreachable the same way: see exec/client/icmp.ts)
//   unreachable     ICMP unreachable/admin-prohibited: nft/firewalld reject, no route
//   timeout         no answer to the SYN: a DROP rule (or a black hole upstream)
//   banner-timeout  connected, but no greeting in time (a proxy, a stuck smtpd, slow DNS)
// Optionally EHLO afterwards, to see whether STARTTLS is offered; STARTTLS itself with the
// certificate served (or TLS from the first byte, for 465); and then a sender's first steps
// (MAIL, RCPT, RSET: never DATA) to see whether mail is accepted at all; then QUIT.

import type { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { DialResult, Dialer, SmtpReply, TlsCertificate, TlsResult } from '../core/dial.js';

// EACCES/EPERM: this host's own OUTPUT rules refused the SYN before it left.
const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EACCES', 'EPERM']);

type Phase = 'connect' | 'handshake' | 'banner' | 'EHLO' | 'STARTTLS' | 'MAIL' | 'RCPT' | 'RSET';
type TlsModule = typeof import('node:tls');

export const dialSmtp: Dialer = (host, port, options) =>
  new Promise<DialResult>((resolve) => {
    const started = Date.now();
    const socket = new Socket();
    // What the conversation runs over: the TCP socket, then the TLS socket on top of it.
    let stream: Socket | TLSSocket = socket;
    // Loaded while the SYN is on its way: TLS costs nothing to dials that never use it.
    const tlsModule: Promise<TlsModule> | null = options.starttls || options.implicitTls ? import('node:tls') : null;
    let settled = false;
    let phase: Phase = 'connect';
    let buffer = '';
    let greeting: { banner: string; code: number } | null = null;
    let ehlo: string[] | undefined;
    let ehloTls: string[] | undefined;
    // The plain-text EHLO reply, for the dialogue when STARTTLS is then refused.
    let plainEhlo: SmtpReply | undefined;
    let tls: TlsResult | undefined;
    let connectMs: number | undefined;
    let local: string | undefined;
    const dialogue: SmtpReply[] = [];
    let timer: NodeJS.Timeout | null = null;
    const wantEhlo = options.ehlo === true || options.mail !== undefined || options.starttls === true;

    const spoken = (): Partial<DialResult> => ({
      ...(greeting ?? {}),
      ...(ehlo !== undefined ? { ehlo } : {}),
      ...(ehloTls !== undefined ? { ehloTls } : {}),
      ...(options.mail ? { dialogue } : {}),
    });
    const finish = (r: Omit<DialResult, 'host' | 'port' | 'ms'>): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (greeting && !stream.destroyed) {
        // Say goodbye properly: a client that just hangs up is logged as "lost connection after
        // CONNECT", and diagnose must not create the very pattern it looks for. The close
        // finishes in the background; a server that never answers QUIT is cut off shortly.
        // Unreferenced: once QUIT is written (a pending write still holds the process), waiting
        // for the 221 keeps no command from exiting.
        stream.end('QUIT\r\n');
        stream.unref();
        socket.unref();
        setTimeout(() => {
          stream.destroy();
          socket.destroy();
        }, 1_000).unref();
      } else {
        stream.destroy();
        socket.destroy();
      }
      const extra = { ...(connectMs !== undefined ? { connectMs } : {}), ...(local ? { local } : {}), ...(tls ? { tls } : {}) };
      resolve({ host, port, ms: Date.now() - started, ...r, ...extra });
    };
    const arm = (ms: number, onExpire: () => void): void => {
      if (timer) clearTimeout(timer);
      const capped = options.deadline === undefined ? ms : Math.min(ms, options.deadline - Date.now());
      timer = setTimeout(onExpire, Math.max(1, capped));
    };
    const send = (next: Phase, line: string): void => {
      phase = next;
      stream.write(`${line}\r\n`);
      arm(options.bannerTimeoutMs, () => {
        if (next === 'MAIL' || next === 'RCPT' || (next === 'EHLO' && options.mail)) dialogue.push({ command: next, code: 0, text: `no reply within ${options.bannerTimeoutMs} ms` });
        if (next === 'STARTTLS') tls = { mode: 'starttls', offered: true, ok: false, detail: `no reply to STARTTLS within ${options.bannerTimeoutMs} ms` };
        finish({ outcome: 'banner', ...spoken(), detail: `no answer to ${next}` });
      });
    };
    const onError = (e: NodeJS.ErrnoException): void => {
      const code = e.code ?? e.message;
      if (phase === 'connect') {
        if (code === 'ECONNREFUSED') return finish({ outcome: 'refused', detail: code });
        if (UNREACHABLE.has(code)) return finish({ outcome: 'unreachable', detail: code });
        if (code === 'ETIMEDOUT') return finish({ outcome: 'timeout', detail: code });
        return finish({ outcome: 'error', detail: code });
      }
      if (phase === 'handshake' && tls && !tls.ok) tls.detail = `TLS handshake failed: ${code}`;
      if (greeting) return finish({ outcome: 'banner', ...spoken(), detail: `${code} after the greeting` });
      finish({ outcome: 'error', detail: phase === 'handshake' ? `TLS handshake failed: ${code}` : `${code} before any greeting` });
    };
    const onClose = (): void => {
      if (phase === 'handshake' && tls && !tls.ok && !tls.detail) tls.detail = 'closed by the server during the TLS handshake';
      if (greeting) finish({ outcome: 'banner', ...spoken(), ...(phase !== 'banner' && phase !== 'RSET' ? { detail: `closed by the server after ${phase}` } : {}) });
      else finish({ outcome: 'error', detail: phase === 'connect' ? 'closed' : phase === 'handshake' ? 'closed by the server during the TLS handshake' : 'closed by the server before any greeting' });
    };
    const awaitGreeting = (): void => {
      phase = 'banner';
      arm(options.bannerTimeoutMs, () => {
        // postscreen sends the first line of a multi-line greeting (`220-…`) at once and the rest
        // only after its pregreet pause (6 s by default): that is a greeting, not silence.
        const first = /^(\d{3})-(.*)\r?\n/.exec(buffer);
        if (first) return finish({ outcome: 'banner', code: Number(first[1]), banner: `${first[1]}-${first[2] ?? ''}`, detail: 'multi-line greeting still incomplete (postscreen pregreet pause?)' });
        finish({ outcome: 'banner-timeout', detail: `no greeting within ${options.bannerTimeoutMs} ms` });
      });
    };
    // The TLS handshake over the connected socket; then `next` runs inside TLS.
    const startTls = (mode: TlsResult['mode'], next: () => void): void => {
      phase = 'handshake';
      tls = { mode, offered: true, ok: false };
      const handshakeStarted = Date.now();
      socket.removeListener('data', onData);
      arm(options.bannerTimeoutMs, () => {
        if (tls) tls.detail = `no TLS handshake within ${options.bannerTimeoutMs} ms`;
        if (greeting) finish({ outcome: 'banner', ...spoken(), detail: 'TLS handshake timed out' });
        else finish({ outcome: 'banner-timeout', detail: `TLS handshake not finished within ${options.bannerTimeoutMs} ms` });
      });
      void (tlsModule as Promise<TlsModule>).then((mod) => {
        if (settled) return;
        // Any certificate is accepted: a sending MTA does the same (opportunistic TLS), and the
        // point here is to report what is served, trusted or not. `trusted` is the chain alone:
        // node would fold its own name check into it, against the dialled address when there is
        // no servername, so a good certificate dialled by address read "not trusted"; whether it
        // names the host is `nameMatches`.
        const secure = mod.connect({ socket, rejectUnauthorized: false, checkServerIdentity: () => undefined, ...(options.servername ? { servername: options.servername } : {}) });
        stream = secure;
        let ticketed = false;
        secure.once('session', () => (ticketed = true));
        secure.on('error', onError);
        secure.once('secureConnect', () => {
          if (!tls) return;
          tls.ok = true;
          tls.ms = Date.now() - handshakeStarted;
          describeTls(mod, secure, tls, options.servername);
          secure.on('data', onData);
          // After STARTTLS the client speaks first: not before the session ticket (TLS 1.3).
          const speaksNext = mode === 'starttls' && (options.mail !== undefined || options.ehloAfterTls === true);
          if (speaksNext && tls.protocol === 'TLSv1.3') {
            // Re-armed: the handshake's own timer, firing during this wait, would report a
            // handshake that succeeded as timed out.
            arm(options.bannerTimeoutMs, () => finish({ outcome: 'banner', ...spoken(), detail: 'no time left after the TLS handshake' }));
            return afterTicket(secure, ticketed, Math.min(TICKET_WAIT_MAX_MS, Math.max(TICKET_WAIT_MIN_MS, tls.ms)), () => {
              if (!settled) next();
            });
          }
          next();
        });
      });
    };
    const afterEhlo = (): void => {
      if (!options.mail) return finish({ outcome: 'banner', ...spoken() });
      send('MAIL', `MAIL FROM:<${options.mail.from}>`);
    };
    function onData(chunk: Buffer): void {
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
        case 'EHLO': {
          const keywords = reply.code === 250 ? reply.lines.slice(1).map((l) => l.slice(4).trim()) : [];
          const secured = tls?.ok === true;
          if (secured) ehloTls = keywords;
          else ehlo = keywords;
          if (options.starttls && !tls && !options.implicitTls) {
            if (keywords.some((k) => /^STARTTLS$/i.test(k))) {
              plainEhlo = { command: 'EHLO', code: reply.code, text };
              return send('STARTTLS', 'STARTTLS');
            }
            tls = { mode: 'starttls', offered: false, ok: false };
          }
          if (!options.mail) return finish({ outcome: 'banner', ...spoken() });
          dialogue.push({ command: 'EHLO', code: reply.code, text });
          if (reply.code !== 250) return finish({ outcome: 'banner', ...spoken() });
          return afterEhlo();
        }
        case 'STARTTLS':
          if (reply.code !== 220) {
            // Refused (454 when smtpd cannot load its key): the session goes on in plain text,
            // as a sending MTA's would.
            tls = { mode: 'starttls', offered: true, ok: false, detail: text };
            if (!options.mail) return finish({ outcome: 'banner', ...spoken() });
            if (plainEhlo) dialogue.push(plainEhlo);
            return afterEhlo();
          }
          return startTls('starttls', () => {
            if (options.mail || options.ehloAfterTls) return send('EHLO', `EHLO ${options.heloName ?? 'postfix-fix.invalid'}`);
            finish({ outcome: 'banner', ...spoken() });
          });
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
    }

    socket.setNoDelay(true);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('data', onData);
    socket.on('connect', () => {
      connectMs = Date.now() - started;
      local = socket.localAddress;
      if (options.implicitTls) return startTls('implicit', awaitGreeting);
      awaitGreeting();
    });

    arm(options.connectTimeoutMs, () => finish({ outcome: 'timeout', detail: `no answer to the connection attempt within ${options.connectTimeoutMs} ms` }));
    socket.connect({ host, port });
  });

// How long a server that sends no ticket is waited for: as long as the handshake took, which
// in whole milliseconds can read 0 on loopback, and never long on a slow one.
const TICKET_WAIT_MIN_MS = 5;
const TICKET_WAIT_MAX_MS = 500;

/**
 * Runs `go` once the server's first TLS 1.3 session ticket has arrived (`ticketed`: already), or
 * after `waitMs` when none comes. A TLS 1.3 server sends its tickets just after the handshake; a
 * command written before they arrive leaves them unacknowledged until this host's delayed ACK
 * (40 ms on Linux), and Nagle on the server holds the reply until then (strace on both ends,
 * Postfix's smtpd: every EHLO inside STARTTLS paid those 40 ms). Written after the ticket, the
 * command carries the ACK and the reply comes at once. A server that sends no ticket costs at
 * most `waitMs`: about as long as the handshake took, which outlasts the ticket's round trip.
 */
export function afterTicket(secure: Pick<EventEmitter, 'once'>, ticketed: boolean, waitMs: number, go: () => void): void {
  if (ticketed) return go();
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    go();
  };
  const timer = setTimeout(once, waitMs);
  // Not from inside the event: it is emitted while node is still reading the ticket, and a write
  // made there stays unsent.
  secure.once('session', () => setImmediate(once));
}

function describeTls(mod: TlsModule, secure: TLSSocket, tls: TlsResult, servername: string | undefined): void {
  const cipher = secure.getCipher();
  tls.protocol = secure.getProtocol() ?? undefined;
  tls.cipher = cipher?.standardName ?? cipher?.name;
  tls.trusted = secure.authorized;
  if (!secure.authorized && secure.authorizationError) tls.trustError = String(secure.authorizationError);
  const peer = secure.getPeerCertificate();
  if (!peer || Object.keys(peer).length === 0) return;
  tls.certificate = certificateOf(peer);
  if (servername) tls.nameMatches = mod.checkServerIdentity(servername, peer) === undefined;
}

function certificateOf(peer: import('node:tls').PeerCertificate): TlsCertificate {
  const dn = (o: object | undefined): string =>
    Object.entries(o ?? {})
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
      .join(', ');
  const cn = peer.subject?.CN;
  const altNames = (peer.subjectaltname ?? '')
    .split(/,\s*/)
    .filter(Boolean)
    .map((n) => n.replace(/^DNS:/, '').replace(/^IP Address:/, 'IP '));
  const subject = dn(peer.subject);
  const issuer = dn(peer.issuer);
  return {
    subject,
    commonName: cn === undefined ? null : Array.isArray(cn) ? cn.join('+') : String(cn),
    altNames,
    issuer,
    notBefore: new Date(peer.valid_from).toISOString(),
    notAfter: new Date(peer.valid_to).toISOString(),
    fingerprint256: peer.fingerprint256,
    selfSigned: subject === issuer,
  };
}

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
