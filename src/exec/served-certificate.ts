// The certificate an SMTP server serves: STARTTLS after EHLO (25, 587) or TLS from the first byte
// (465), any certificate accepted (a sending MTA does the same) and reported, then QUIT.
//
// MERGE NOTE: the dialer (exec/dial.ts) is gaining `starttls`/`implicitTls` options that return
// the served certificate (DialResult.tls.certificate, with these same field names: fingerprint256,
// notBefore, notAfter, subject). Once that is on main, this file goes: servedCertificate(h, p, m, t)
// becomes dialSmtp(h, p, { starttls: m === 'starttls', implicitTls: m === 'implicit', ... }).tls.

import { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';

export interface ServedCertificate {
  /** `AB:CD:…` (SHA-256), as X509Certificate.fingerprint256 says it for the file on disk. */
  fingerprint256: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** `CN=mx.example.com, O=…` */
  subject: string;
}

export interface ServedTls {
  /** The handshake completed and a certificate came back. */
  ok: boolean;
  /** Why not (`454 4.7.0 TLS not available…`, `no STARTTLS offered`, ECONNREFUSED…), or `served`. */
  detail: string;
  certificate?: ServedCertificate;
  ms: number;
}

export type TlsMode = 'starttls' | 'implicit';

/** A complete SMTP reply (`250-…` lines continue, `250 …` ends); null while incomplete. */
function reply(text: string): { code: number; lines: string[] } | null {
  const lines = text.split(/\r?\n/);
  lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const m = /^(\d{3})([ -]?)/.exec(lines[i] as string);
    if (!m) return { code: 0, lines: lines.slice(0, i + 1) };
    if (m[2] !== '-') return { code: Number(m[1]), lines: lines.slice(0, i + 1) };
  }
  return null;
}

export function servedCertificate(host: string, port: number, mode: TlsMode, timeoutMs: number, heloName = 'postfix-fix.invalid'): Promise<ServedTls> {
  const started = Date.now();
  // Loaded while the connection is made: nothing that never dials pays for TLS at start-up.
  const tlsModule = import('node:tls');
  return new Promise((resolve) => {
    const plain = new Socket();
    let secure: TLSSocket | null = null;
    let settled = false;
    let buffer = '';
    let phase: 'banner' | 'ehlo' | 'starttls' | 'handshake' = mode === 'implicit' ? 'handshake' : 'banner';
    const finish = (r: Omit<ServedTls, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A polite goodbye: a client that just hangs up is logged as "lost connection".
      const stream = secure ?? plain;
      if (!stream.destroyed) stream.end('QUIT\r\n');
      setTimeout(() => {
        secure?.destroy();
        plain.destroy();
      }, 500).unref();
      resolve({ ...r, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish({ ok: false, detail: `no certificate within ${timeoutMs} ms (stopped at ${phase})` }), Math.max(1, timeoutMs));
    const handshake = (): void => {
      phase = 'handshake';
      plain.removeAllListeners('data');
      void tlsModule.then((tls) => {
        if (settled) return;
        // Any certificate is accepted: the point is to see which one is served.
        const s = tls.connect({ socket: plain, rejectUnauthorized: false });
        secure = s;
        s.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, detail: `TLS handshake failed: ${e.code ?? e.message}` }));
        s.once('secureConnect', () => onSecure(s));
      });
    };
    const onSecure = (s: TLSSocket): void => {
      const peer = s.getPeerCertificate();
      if (!peer || Object.keys(peer).length === 0) return finish({ ok: false, detail: 'the handshake completed without a certificate' });
      const subject = Object.entries(peer.subject ?? {})
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
        .join(', ');
      finish({ ok: true, detail: 'served', certificate: { fingerprint256: peer.fingerprint256, notBefore: new Date(peer.valid_from).toISOString(), notAfter: new Date(peer.valid_to).toISOString(), subject } });
    };
    plain.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const r = reply(buffer);
      if (!r) return;
      buffer = '';
      const text = r.lines.join(' ');
      if (phase === 'banner') {
        if (r.code !== 220) return finish({ ok: false, detail: `greeted with ${text}` });
        phase = 'ehlo';
        plain.write(`EHLO ${heloName}\r\n`);
      } else if (phase === 'ehlo') {
        if (r.code !== 250) return finish({ ok: false, detail: `EHLO answered ${text}` });
        if (!r.lines.some((l) => /^250[ -]STARTTLS\b/i.test(l))) return finish({ ok: false, detail: 'no STARTTLS offered' });
        phase = 'starttls';
        plain.write('STARTTLS\r\n');
      } else if (phase === 'starttls') {
        if (r.code !== 220) return finish({ ok: false, detail: `STARTTLS answered ${text}` });
        handshake();
      }
    });
    plain.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, detail: e.code ?? e.message }));
    plain.on('close', () => finish({ ok: false, detail: `closed by the server (at ${phase})` }));
    plain.on('connect', () => {
      if (mode === 'implicit') handshake();
    });
    plain.connect({ host, port });
  });
}
