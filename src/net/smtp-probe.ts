// Connect to an SMTP port and classify what happens — the classification is itself a diagnosis:
//   banner       Postfix (or someone) answered 220
//   refused      RST: nothing listens, or a REJECT --reject-with tcp-reset rule
//   unreachable  ICMP unreachable/prohibited: nft/firewalld reject, no route
//   timeout      no answer at all: a DROP rule (or a dead path)
//   banner-timeout  connected, but nobody spoke: a hung daemon, or a half-open firewall
// In-process (node:net), bounded by one timeout, never a shell command.

import { Socket } from 'node:net';

export type ConnectKind = 'banner' | 'refused' | 'unreachable' | 'timeout' | 'banner-timeout' | 'error';

export interface SmtpProbeResult {
  host: string;
  port: number;
  kind: ConnectKind;
  /** The 220 greeting, when one came. */
  banner?: string;
  /** EHLO keywords (when ehlo was requested and the server answered). */
  extensions?: string[];
  detail?: string;
  ms: number;
}

export interface SmtpProbeOptions {
  timeoutMs: number;
  /** Also send EHLO and read the extensions (to see STARTTLS). */
  ehlo?: boolean;
  ehloName?: string;
}

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EACCES', 'EPERM', 'EHOSTDOWN']);

export function probeSmtp(host: string, port: number, options: SmtpProbeOptions): Promise<SmtpProbeResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const sock = new Socket();
    let connected = false;
    let buf = '';
    let banner: string | undefined;
    let settled = false;
    const finish = (kind: ConnectKind, extra: Partial<SmtpProbeResult> = {}): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (connected && !sock.destroyed) {
        try {
          sock.end('QUIT\r\n');
        } catch {
          /* closing anyway */
        }
      }
      sock.destroy();
      resolve({ host, port, kind, ms: Date.now() - started, ...(banner ? { banner } : {}), ...extra });
    };
    const timer = setTimeout(() => finish(connected ? 'banner-timeout' : 'timeout', { detail: `no ${connected ? 'greeting' : 'answer'} within ${options.timeoutMs} ms` }), options.timeoutMs);
    sock.setNoDelay(true);
    sock.on('connect', () => {
      connected = true;
    });
    sock.on('data', (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      const lines = buf.split('\r\n');
      // An SMTP reply ends with a line "NNN text" (no dash after the code).
      const complete = lines.slice(0, -1);
      const last = complete[complete.length - 1];
      if (!last || !/^\d{3} /.test(last)) return;
      if (banner === undefined) {
        banner = complete.join('\n');
        if (!/^220/.test(banner)) return finish('banner', { detail: 'the server greeted with a non-220 reply' });
        if (!options.ehlo) return finish('banner');
        buf = '';
        sock.write(`EHLO ${options.ehloName ?? 'postfix-fix.invalid'}\r\n`);
        return;
      }
      const extensions = complete.map((l) => l.slice(4).split(' ')[0]?.toUpperCase() ?? '').slice(1);
      finish('banner', { extensions });
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNREFUSED') finish('refused');
      else if (e.code && UNREACHABLE.has(e.code)) finish('unreachable', { detail: e.code });
      else if (e.code === 'ECONNRESET' && connected) finish('banner-timeout', { detail: 'connection reset before a greeting' });
      else finish('error', { detail: e.code ?? e.message });
    });
    sock.on('close', () => {
      if (!settled) finish(connected ? 'banner-timeout' : 'error', { detail: 'connection closed without a greeting' });
    });
    sock.connect({ host, port });
  });
}
