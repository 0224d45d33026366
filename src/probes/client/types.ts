// What `postfix-fix probe` reports: one verdict per address and port, as a client sees it, with
// what it means and which causes on the server fit it. The JSON report is this object
// (schemas/probe-report.schema.json, schemaVersion 1: fields may be added within a version).

import type { TlsCertificate, TlsResult } from '../../core/dial.js';
import type { DialTarget } from '../../exec/client/resolve.js';

/** What a client sees on one address and port. */
export type ProbeOutcome = 'banner' | 'rejected' | 'refused' | 'unreachable' | 'timeout' | 'no-banner';

export const PROBE_OUTCOMES: readonly ProbeOutcome[] = ['banner', 'rejected', 'refused', 'unreachable', 'timeout', 'no-banner'];

/** A cause on the server (or on the way) that fits what was seen. */
export interface FittingCause {
  /** The cause id diagnose uses on the server, where there is one (`postfix list --causes`). */
  cause?: string;
  text: string;
}

/** The certificate as the report shows it: the dial's, with how long it has left. */
export interface CertificateView extends TlsCertificate {
  /** Whole days until notAfter (negative: expired that many days ago). */
  daysLeft: number;
}

export interface TlsView extends Omit<TlsResult, 'certificate'> {
  certificate?: CertificateView;
  /** AUTH mechanisms offered once TLS is up. */
  auth?: string[];
}

export interface RelayView {
  /** refused: 5xx at MAIL or RCPT (as it should be from outside); accepted: an open relay (for this client). */
  verdict: 'refused' | 'accepted' | 'deferred' | 'no-answer' | 'not-tried';
  stage?: 'EHLO' | 'MAIL' | 'RCPT';
  code?: number;
  text?: string;
  from: string;
  to: string;
}

export interface PortVerdict extends DialTarget {
  outcome: ProbeOutcome;
  /** The port greets (220): what `probe` asks of every port. */
  greets: boolean;
  /** What the outcome means, in one or two sentences. */
  meaning: string;
  /** Causes that fit, the most likely first (none when it greets). */
  causes: FittingCause[];
  /** What else supports the reading: the other mail ports of the address, how it was refused. */
  evidence: string[];
  /** Problems beyond the greeting: STARTTLS broken, the certificate expired, an open relay. */
  warnings: string[];
  /** The greeting's first line. */
  banner?: string;
  code?: number;
  /** The name the greeting gives (`mx1.example.org` of `220 mx1.example.org ESMTP Postfix`). */
  name?: string;
  /** The MTA the greeting names, when it does (Postfix, Exim, …). */
  software?: string;
  /** How the connection was refused: a TCP reset, or an ICMP port-unreachable (a firewall). */
  refusal?: 'reset' | 'icmp' | 'unknown';
  /** The errno or what went wrong. */
  detail?: string;
  ms: number;
  connectMs?: number;
  tls?: TlsView;
  relay?: RelayView;
}

/** Another mail port of an address where an asked port failed: how it answered. */
export interface ContextPort {
  address: string;
  port: number;
  outcome: ProbeOutcome;
  summary: string;
}

export interface ProbeReport {
  schemaVersion: 1;
  target: string;
  ports: number[];
  startedAt: string;
  durationMs: number;
  timeoutMs: number;
  /** Every asked port greets on every address dialled (and, with --relay-test, none relays). */
  ok: boolean;
  exitCode: 0 | 4;
  /** One line: what the person most needs to know. */
  summary: string;
  resolution: ResolutionView;
  /** This machine's address towards the target: what the server sees (unless NAT is in between). */
  source: string | null;
  results: PortVerdict[];
  context: ContextPort[];
  /** Addresses not dialled (an IPv6 address from a machine without IPv6). */
  skipped: Array<{ address: string; reason: string }>;
  /** Ports with nothing to dial, and why (the name does not resolve, a null MX, …). */
  unresolved: Array<{ port: number; reason: string }>;
  /** What to run on the server to find which of the fitting causes it is. */
  next: string[];
}

export interface ResolutionView {
  kind: 'address' | 'name';
  status: 'ok' | 'partial' | 'failed';
  mx: { status: string; detail: string; records: Array<{ preference: number; host: string }>; nullMx: boolean } | null;
  hosts: Array<{ name: string; role: 'mx' | 'target'; preference?: number; addresses: string[]; source: 'dns' | 'hosts-file' | 'none'; status: string; detail: string }>;
  ms: number;
}
