import { X509Certificate } from 'node:crypto';
import type { Host } from './host-types.js';
import { HOST_ENV, PROBE_SCRIPT, PYTHON } from './paths.js';
import { run } from './run.js';

export type ProbeKind = 'banner' | 'refused' | 'unreachable' | 'timeout' | 'banner-timeout' | 'error';

export interface ProbeResult {
  // banner: got an SMTP greeting; refused: RST (ECONNREFUSED); unreachable: ICMP
  // EHOSTUNREACH/ENETUNREACH; timeout: SYN unanswered (DROP); banner-timeout: connected but
  // silent; error: anything else (detail says what).
  kind: ProbeKind;
  banner?: string;
  // The greeting's reply code (220, or 554/521 from a server that refuses the client).
  code?: number;
  detail?: string;
  ms: number;
}

export type RelayStage = 'banner' | 'ehlo' | 'mail' | 'rcpt' | 'data';

export interface RelayResult {
  // True when RCPT TO was answered 250/251: the server agreed to relay.
  accepted: boolean;
  // SMTP code of the last reply read (at `stage`); 0 when the connection failed.
  code: number;
  reply: string;
  stage: RelayStage;
  detail?: string;
  ms: number;
}

export interface RelayOptions {
  from: string;
  to: string;
  helo?: string;
  timeoutMs?: number;
}

// The probe joins only the network namespace of fromHost: its traffic leaves from the host's
// interfaces, while the script and interpreter are read from the machine's filesystem.
async function runProbe(fromHost: Host, args: readonly string[], timeoutMs: number): Promise<Record<string, unknown>> {
  // connect and the first read each get timeoutMs; leave room for interpreter startup.
  const result = await run(['nsenter', '-t', String(fromHost.pid), '-n', '--', PYTHON, PROBE_SCRIPT, ...args], {
    timeoutMs: 2 * timeoutMs + 5_000,
    env: HOST_ENV,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new Error(`probe from ${fromHost.name} failed (exit ${result.code}): ${result.stderr || result.stdout}`);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

export async function smtpProbe(fromHost: Host, addr: string, port = 25, timeoutMs = 3_000): Promise<ProbeResult> {
  const raw = await runProbe(fromHost, ['banner', addr, String(port), seconds(timeoutMs)], timeoutMs);
  const result: ProbeResult = { kind: raw['kind'] as ProbeKind, ms: Number(raw['ms']) };
  if (typeof raw['banner'] === 'string') result.banner = raw['banner'];
  if (typeof raw['code'] === 'number') result.code = raw['code'];
  if (typeof raw['detail'] === 'string') result.detail = raw['detail'];
  return result;
}

// Speaks SMTP up to RCPT TO (never DATA): enough to tell whether the server would relay.
export function relayAttempt(fromHost: Host, addr: string, port: number, opts: RelayOptions): Promise<RelayResult> {
  return smtpDialogue('relay', fromHost, addr, port, opts);
}

// A whole submission, through DATA; accepted means the server queued the message.
export function sendMail(fromHost: Host, addr: string, port: number, opts: RelayOptions): Promise<RelayResult> {
  return smtpDialogue('send', fromHost, addr, port, opts);
}

async function smtpDialogue(
  mode: 'relay' | 'send',
  fromHost: Host,
  addr: string,
  port: number,
  opts: RelayOptions,
): Promise<RelayResult> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const helo = opts.helo ?? `${fromHost.name}.peer.test`;
  const raw = await runProbe(fromHost, [mode, addr, String(port), seconds(timeoutMs), helo, opts.from, opts.to], timeoutMs);
  const result: RelayResult = {
    accepted: raw['accepted'] === true,
    code: Number(raw['code']),
    reply: String(raw['reply'] ?? ''),
    stage: raw['stage'] as RelayStage,
    ms: Number(raw['ms']),
  };
  if (typeof raw['detail'] === 'string') result.detail = raw['detail'];
  return result;
}

// How a session gets to TLS: not at all, STARTTLS after EHLO (25, 587), or TLS before the
// banner (465, "submissions", wrappermode).
export type TlsMode = 'none' | 'starttls' | 'implicit';

export interface SessionOptions {
  tls?: TlsMode;
  helo?: string;
  // AUTH PLAIN with these, after TLS when TLS was asked for. Dovecot answers late after failed
  // logins from the same address (2 s, doubling): give timeoutMs room for it.
  auth?: { user: string; password: string };
  // MAIL FROM / RCPT TO (never DATA), after AUTH when auth was given: whether the server would
  // take this message, as this (un)authenticated client.
  relay?: { from: string; to: string };
  timeoutMs?: number;
}

export interface SmtpReply {
  code: number;
  text: string;
}

export interface EhloReply extends SmtpReply {
  // Keywords after the greeting line: "PIPELINING", "STARTTLS", "AUTH PLAIN LOGIN", ...
  extensions: string[];
}

export interface ServedCertificate {
  subject: string;
  issuer: string;
  subjectAltName: string | undefined;
  validFrom: Date;
  validTo: Date;
  // "AB:CD:..." as `openssl x509 -fingerprint -sha256` prints it.
  fingerprint256: string;
  pem: string;
}

export interface TlsInfo {
  version?: string;
  cipher?: string;
  certificate?: ServedCertificate;
  // The handshake failed: what the client's TLS library said.
  error?: string;
}

export type SessionStage = 'tls' | 'banner' | 'ehlo' | 'starttls' | 'ehlo-tls' | 'auth' | 'mail' | 'rcpt' | 'done';

export interface SessionResult {
  // How the connection went, as smtpProbe classifies it; 'tls-error' when implicit TLS failed
  // before any banner. A refusing greeting (554) is still kind 'banner': read banner.code.
  kind: ProbeKind | 'tls-error';
  // 'done' when every step asked for was answered (whatever the answers were); otherwise the
  // step at which the server stopped the dialogue or the connection failed.
  stage: SessionStage | 'connect';
  banner?: SmtpReply;
  ehlo?: EhloReply;
  starttls?: SmtpReply;
  tls?: TlsInfo;
  ehloTls?: EhloReply;
  // From the last EHLO the client read (after TLS, when it got that far).
  authMechanisms: string[];
  auth?: SmtpReply & { ok: boolean };
  relay?: SmtpReply & { stage: 'mail' | 'rcpt'; accepted: boolean };
  detail?: string;
  ms: number;
}

function reply(raw: unknown): SmtpReply | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  return { code: Number(r['code']), text: String(r['text'] ?? '') };
}

function ehloReply(raw: unknown): EhloReply | undefined {
  const base = reply(raw);
  if (!base) return undefined;
  const exts = (raw as Record<string, unknown>)['extensions'];
  return { ...base, extensions: Array.isArray(exts) ? exts.map(String) : [] };
}

function tlsInfo(raw: unknown): TlsInfo | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const info: TlsInfo = {};
  if (typeof r['version'] === 'string') info.version = r['version'];
  if (typeof r['cipher'] === 'string') info.cipher = r['cipher'];
  if (typeof r['error'] === 'string') info.error = r['error'];
  if (typeof r['cert'] === 'string') info.certificate = describeCertificate(new X509Certificate(Buffer.from(r['cert'], 'base64')));
  return info;
}

export function describeCertificate(cert: X509Certificate): ServedCertificate {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    subjectAltName: cert.subjectAltName,
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
    fingerprint256: cert.fingerprint256,
    pem: cert.toString(),
  };
}

// A mail client's (or another server's) dialogue from fromHost: banner, EHLO, optionally
// STARTTLS or TLS-first, AUTH PLAIN and an attempt to send somewhere (stopping before DATA).
// TLS is not verified: the served certificate is returned for the test to judge.
export async function smtpSession(fromHost: Host, addr: string, port: number, opts: SessionOptions = {}): Promise<SessionResult> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const options = { helo: opts.helo ?? `${fromHost.name}.peer.test`, tls: opts.tls ?? 'none', auth: opts.auth, relay: opts.relay };
  // Every step reads with timeoutMs: allow for a handful of them.
  const raw = await runProbe(fromHost, ['session', addr, String(port), seconds(timeoutMs), JSON.stringify(options)], 3 * timeoutMs);
  const result: SessionResult = {
    kind: raw['kind'] as SessionResult['kind'],
    stage: (raw['stage'] as SessionResult['stage'] | undefined) ?? 'connect',
    authMechanisms: Array.isArray(raw['authMechanisms']) ? raw['authMechanisms'].map(String) : [],
    ms: Number(raw['ms']),
  };
  const banner = reply(raw['banner']);
  if (banner) result.banner = banner;
  const ehlo = ehloReply(raw['ehlo']);
  if (ehlo) result.ehlo = ehlo;
  const starttls = reply(raw['starttls']);
  if (starttls) result.starttls = starttls;
  const tls = tlsInfo(raw['tls']);
  if (tls) result.tls = tls;
  const ehloTls = ehloReply(raw['ehloTls']);
  if (ehloTls) result.ehloTls = ehloTls;
  const auth = reply(raw['auth']);
  if (auth) result.auth = { ...auth, ok: auth.code === 235 };
  const relay = raw['relay'] as Record<string, unknown> | undefined;
  const relayReply = reply(relay);
  if (relay && relayReply) {
    result.relay = { ...relayReply, stage: relay['stage'] === 'rcpt' ? 'rcpt' : 'mail', accepted: relay['accepted'] === true };
  }
  if (typeof raw['detail'] === 'string') result.detail = raw['detail'];
  return result;
}

export type DialogueStage = 'banner' | 'ehlo' | 'mail' | 'rcpt' | 'rset' | 'quit';

export interface DialogueReply {
  code: number;
  // The whole reply, continuation lines joined with \n.
  text: string;
  // From sending the command (or connecting, for the banner) to the end of the reply.
  ms: number;
}

export interface MailDialogue {
  // How the TCP connect ended; only 'connected' has replies.
  connect: 'connected' | 'refused' | 'unreachable' | 'timeout' | 'error';
  // Every reply read, by stage. MAIL and RCPT are sent only while the replies before them were
  // 2xx; RSET follows whenever the banner was 220, then QUIT.
  replies: Partial<Record<DialogueStage, DialogueReply>>;
  // The stage whose reply never came (closed or timed out), if any.
  failedAt?: DialogueStage;
  // The first stage answered with something other than 2xx/3xx.
  refusedAt?: DialogueStage;
  detail?: string;
  ms: number;
}

export interface DialogueOptions {
  from: string;
  to: string;
  port?: number;
  helo?: string;
  // Per connect and per reply.
  timeoutMs?: number;
}

const DIALOGUE_ORDER: readonly DialogueStage[] = ['banner', 'ehlo', 'mail', 'rcpt', 'rset', 'quit'];

// One SMTP session from a peer up to RCPT TO (never DATA) that reports the reply at each stage:
// for faults whose symptom is a refusal after a normal banner (a milter or policy service down,
// a missing map, a full queue), where the test must say which command was refused and how.
export async function mailDialogue(fromHost: Host, addr: string, opts: DialogueOptions): Promise<MailDialogue> {
  const timeoutMs = opts.timeoutMs ?? 5_000;
  const helo = opts.helo ?? `${fromHost.name}.peer.test`;
  const args = ['dialogue', addr, String(opts.port ?? 25), seconds(timeoutMs), helo, opts.from, opts.to];
  // Up to six replies, each with its own timeout.
  const raw = await runProbe(fromHost, args, 3 * timeoutMs);
  const replies: Partial<Record<DialogueStage, DialogueReply>> = {};
  const rawReplies = (raw['replies'] ?? {}) as Record<string, { code: number; text: string; ms: number }>;
  for (const stage of DIALOGUE_ORDER) {
    const r = rawReplies[stage];
    if (r) replies[stage] = { code: Number(r.code), text: String(r.text), ms: Number(r.ms) };
  }
  const result: MailDialogue = { connect: raw['connect'] as MailDialogue['connect'], replies, ms: Number(raw['ms']) };
  if (typeof raw['failedAt'] === 'string') result.failedAt = raw['failedAt'] as DialogueStage;
  if (typeof raw['detail'] === 'string') result.detail = raw['detail'];
  const refused = DIALOGUE_ORDER.find((stage) => {
    const code = replies[stage]?.code;
    return code !== undefined && (code < 200 || code >= 400);
  });
  if (refused) result.refusedAt = refused;
  return result;
}
