// What an SMTP dial tells: the way a connection fails *is* the diagnosis. exec/dial.ts dials in
// process; the lab swaps in a dialer that dials from inside a namespace host.

export type DialOutcome = 'banner' | 'refused' | 'unreachable' | 'timeout' | 'banner-timeout' | 'error';

export interface DialResult {
  outcome: DialOutcome;
  host: string;
  port: number;
  /** The greeting's first line (`220 mx.example.com ESMTP Postfix`). */
  banner?: string;
  /** The greeting's reply code. */
  code?: number;
  /** EHLO keywords (`STARTTLS`, `SIZE 10240000`, …) when EHLO was asked for and answered. */
  ehlo?: string[];
  /**
   * With `mail`: the replies to EHLO, MAIL and RCPT in order, up to the first that is not 2xx
   * (code 0: no reply in time). What a sender sees after the banner.
   */
  dialogue?: SmtpReply[];
  /** errno code or what went wrong. */
  detail?: string;
  ms: number;
  /** Milliseconds to the TCP handshake, when it completed: whatever failed after it, something accepted. */
  connectMs?: number;
  /** This machine's address on the connection (what the server sees, unless NAT is in between). */
  local?: string;
  /** With `starttls` or `implicitTls`: how TLS went and the certificate served. */
  tls?: TlsResult;
  /** EHLO keywords again after STARTTLS (AUTH is often offered only there). */
  ehloTls?: string[];
}

export interface TlsCertificate {
  /** `CN=mx.example.com, O=…` */
  subject: string;
  commonName: string | null;
  /** DNS names and addresses of the subjectAltName (`mx.example.com`, `IP 192.0.2.1`). */
  altNames: string[];
  issuer: string;
  /** ISO 8601. */
  notBefore: string;
  notAfter: string;
  /** `AB:CD:…` (SHA-256). */
  fingerprint256: string;
  selfSigned: boolean;
}

export interface TlsResult {
  /** starttls: after EHLO on a plain connection; implicit: from the first byte (465). */
  mode: 'starttls' | 'implicit';
  /** starttls: EHLO listed STARTTLS (implicit: always true). */
  offered: boolean;
  /** The handshake completed. */
  ok: boolean;
  /** Why not: the reply to STARTTLS (`454 4.7.0 TLS not available due to local problem`) or the handshake error. */
  detail?: string;
  protocol?: string;
  cipher?: string;
  certificate?: TlsCertificate;
  /** The chain verifies against the CAs this Node trusts (never required: the dial goes on either way). */
  trusted?: boolean;
  /** Why it does not (`SELF_SIGNED_CERT_IN_CHAIN`, `CERT_HAS_EXPIRED`, …). */
  trustError?: string;
  /** Whether the certificate is valid for `servername` (undefined when dialled by address only). */
  nameMatches?: boolean;
  ms?: number;
}

export interface DialOptions {
  connectTimeoutMs: number;
  bannerTimeoutMs: number;
  /** Send EHLO after a 220 greeting and report the keywords. */
  ehlo?: boolean;
  /** Name to EHLO with. */
  heloName?: string;
  /** Absolute time (Date.now()) no phase may run past, whatever its own timeout says. */
  deadline?: number;
  /**
   * After EHLO, MAIL FROM and RCPT TO, then RSET and QUIT: never DATA, so nothing is queued.
   * Implies `ehlo`. An empty `from` is the null sender `<>`.
   */
  mail?: { from: string; to: string };
  /**
   * After EHLO, when STARTTLS is offered: STARTTLS and the handshake (any certificate is accepted
   * and reported, as a sending MTA does); `mail` then runs inside TLS. Implies `ehlo`.
   */
  starttls?: boolean;
  /**
   * EHLO again once TLS is up (AUTH is often offered only there; implied by `mail`). It costs a
   * round trip that can wait on the server's delayed ACK (TLS 1.3 tickets, Nagle): ~40 ms.
   */
  ehloAfterTls?: boolean;
  /** TLS from the first byte (465, "submissions"): the greeting comes inside it. */
  implicitTls?: boolean;
  /** The host name for SNI and for checking the certificate's names (not an address). */
  servername?: string;
}

export interface SmtpReply {
  command: 'EHLO' | 'MAIL' | 'RCPT';
  /** 0 when no reply came in time. */
  code: number;
  /** The reply's lines joined with a space (`451 4.3.5 Server configuration error`). */
  text: string;
}

/** The lab swaps in a dialer that runs inside a namespace host; production uses dialSmtp. */
export type Dialer = (host: string, port: number, options: DialOptions) => Promise<DialResult>;
