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
