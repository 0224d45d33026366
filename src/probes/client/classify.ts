// What a client's dial means, seen from outside the server: the outcome, what it says, and the
// causes on the server that fit it — narrowed by what the same address's other mail ports did.
// From outside some causes look alike (a stopped Postfix and one on loopback only both answer
// with a TCP reset); then every one that fits is named, and `diagnose` on the server, asked about
// this client, tells which.

import type { DialResult } from '../../core/dial.js';
import { RELAY_TEST } from '../../exec/client/dial-all.js';
import type { PortDial } from '../../exec/client/dial-all.js';
import type { CertificateView, FittingCause, PortVerdict, ProbeOutcome, RelayView, TlsView } from './types.js';

const DAY_MS = 86_400_000;
/** A certificate closer than this to its end is worth a warning. */
export const EXPIRY_WARN_DAYS = 14;

const SOFTWARE: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bPostfix\b/i, 'Postfix'],
  [/\bExim\b/i, 'Exim'],
  [/\bSendmail\b/i, 'Sendmail'],
  [/\bMicrosoft ESMTP MAIL Service\b|\bExchange\b/i, 'Microsoft Exchange'],
  [/\bOpenSMTPD\b/i, 'OpenSMTPD'],
  [/\bqmail\b/i, 'qmail'],
  [/\bHaraka\b/i, 'Haraka'],
  [/\bMDaemon\b/i, 'MDaemon'],
  [/\bhMailServer\b/i, 'hMailServer'],
  [/\bZimbra\b/i, 'Zimbra'],
];

/** The outcome a client sees, from the dial and how a refusal came. */
export function outcomeOf(r: DialResult, refusal?: PortDial['refusal']): ProbeOutcome {
  switch (r.outcome) {
    case 'banner':
      if (r.code === 220) return 'banner';
      if ((r.code ?? 0) >= 400 && (r.code ?? 0) <= 599) return 'rejected';
      return 'no-banner';
    case 'refused':
      return refusal === 'icmp' ? 'unreachable' : 'refused';
    case 'unreachable':
      return 'unreachable';
    case 'timeout':
      return 'timeout';
    case 'banner-timeout':
      return 'no-banner';
    default:
      // Connected, then nothing useful: no banner. Not even connected: it could not be reached.
      return r.connectMs !== undefined ? 'no-banner' : 'unreachable';
  }
}

export interface ClassifyInput {
  dials: readonly PortDial[];
  context: readonly PortDial[];
  now?: number;
}

export function classifyDials(input: ClassifyInput): PortVerdict[] {
  const now = input.now ?? Date.now();
  return input.dials.map((d) => {
    const others = [...input.dials, ...input.context].filter((o) => o.address === d.address && o.port !== d.port);
    return verdictOf(d, others, now);
  });
}

/** One line for another port of the same address. */
export function portSummary(d: PortDial): string {
  const outcome = outcomeOf(d.result, d.refusal);
  switch (outcome) {
    case 'banner':
      return `greets (${d.result.banner ?? '220'})`;
    case 'rejected':
      return `greets with a refusal (${d.result.banner ?? d.result.code})`;
    case 'refused':
      return d.refusal === 'reset' ? 'refused (TCP reset)' : 'refused';
    case 'unreachable':
      return d.refusal === 'icmp' ? 'rejected by ICMP port-unreachable' : `unreachable (${d.result.detail ?? 'ICMP'})`;
    case 'timeout':
      return 'no answer (dropped)';
    default:
      return `connects, no greeting${d.result.detail ? ` (${d.result.detail})` : ''}`;
  }
}

function verdictOf(d: PortDial, others: readonly PortDial[], now: number): PortVerdict {
  const r = d.result;
  const outcome = outcomeOf(r, d.refusal);
  const base: PortVerdict = {
    address: d.address,
    port: d.port,
    host: d.host,
    via: d.via,
    ...(d.servername ? { servername: d.servername } : {}),
    outcome,
    greets: outcome === 'banner',
    meaning: '',
    causes: [],
    evidence: [],
    warnings: [],
    ms: r.ms,
    ...(r.connectMs !== undefined ? { connectMs: r.connectMs } : {}),
    ...(r.banner !== undefined ? { banner: r.banner } : {}),
    ...(r.code !== undefined ? { code: r.code } : {}),
    ...(r.detail !== undefined ? { detail: r.detail } : {}),
    ...(d.refusal ? { refusal: d.refusal } : {}),
  };
  if (r.banner !== undefined) {
    const name = /^\d{3}[ -](\S+)/.exec(r.banner)?.[1];
    if (name && /[a-z]/i.test(name)) base.name = name;
    const software = SOFTWARE.find(([re]) => re.test(r.banner ?? ''))?.[1];
    if (software) base.software = software;
  }
  if (r.tls) base.tls = tlsView(r, now);
  const sibling = siblingsOf(d, others);
  // The other ports matter where this one fails; beside a greeting they are noise.
  if (outcome !== 'banner') base.evidence.push(...sibling.lines);
  switch (outcome) {
    case 'banner':
      return greeted(base, r);
    case 'rejected':
      return rejected(base);
    case 'refused':
      return refused(base, sibling);
    case 'unreachable':
      return d.refusal === 'icmp' ? icmpRejected(base, sibling) : unreachable(base, sibling);
    case 'timeout':
      return timedOut(base, sibling);
    default:
      return noBanner(base, r);
  }
}

interface Siblings {
  lines: string[];
  /** Another mail port of the address greets (220 or a refusal): something there speaks SMTP. */
  speaks: number[];
  /** Another port answered at all (greeted, reset, rejected): the host is up and reachable. */
  answered: number[];
  /** Ports that failed exactly the same way. */
  same: number[];
  all: PortDial[];
}

function siblingsOf(d: PortDial, others: readonly PortDial[]): Siblings {
  const mine = outcomeOf(d.result, d.refusal);
  const s: Siblings = { lines: [], speaks: [], answered: [], same: [], all: [...others] };
  for (const o of [...others].sort((a, b) => a.port - b.port)) {
    const outcome = outcomeOf(o.result, o.refusal);
    s.lines.push(`port ${o.port} on this address: ${portSummary(o)}`);
    if (outcome === 'banner' || outcome === 'rejected') s.speaks.push(o.port);
    if (outcome === 'banner' || outcome === 'rejected' || outcome === 'refused' || outcome === 'no-banner' || (outcome === 'unreachable' && o.refusal === 'icmp')) s.answered.push(o.port);
    if (outcome === mine && o.refusal === d.refusal && o.result.detail === d.result.detail) s.same.push(o.port);
  }
  return s;
}

const isLoopback = (a: string): boolean => a === '::1' || a.startsWith('127.');
const where = (v: PortVerdict): string => (v.address.includes(':') ? `[${v.address}]:${v.port}` : `${v.address}:${v.port}`);
const ports = (ps: readonly number[]): string => (ps.length === 1 ? `port ${ps[0]}` : `ports ${ps.slice(0, -1).join(', ')} and ${ps.at(-1)}`);

function serviceDisabled(port: number): FittingCause {
  if (port === 25) return { cause: 'smtp-service-disabled', text: 'Postfix runs, but its smtp service does not listen (commented out in master.cf, or master_service_disable)' };
  if (port === 587) return { text: 'the submission service (port 587) is not enabled in master.cf: Debian and most distributions ship it commented out' };
  if (port === 465) return { text: 'the submissions service (port 465, TLS from the first byte) is not enabled in master.cf: most distributions ship it commented out' };
  return { text: `no Postfix service in master.cf listens on port ${port}` };
}

function refused(v: PortVerdict, s: Siblings): PortVerdict {
  v.meaning = `${where(v)} answered with a TCP reset: nothing accepts connections on port ${v.port} there.`;
  if (v.refusal === 'unknown') v.meaning += ' (This system cannot tell a reset from an ICMP port-unreachable, which a firewall rule sends: both fit.)';
  const firewall: FittingCause = { cause: 'firewall-blocks-smtp', text: 'a firewall rejects the port with a TCP reset (iptables/nftables REJECT --reject-with tcp-reset, ufw reject)' };
  if (s.speaks.length > 0) {
    v.evidence.push(`Postfix (or whatever answers) runs and listens on this address: ${ports(s.speaks)} greet${s.speaks.length === 1 ? 's' : ''}`);
    v.causes = [serviceDisabled(v.port), firewall];
  } else {
    v.causes = [
      { cause: 'postfix-stopped', text: 'Postfix is not running' },
      ...(isLoopback(v.address) ? [] : [{ cause: 'loopback-only', text: 'Postfix listens on loopback only (inet_interfaces = loopback-only or localhost): it runs, but not for the network' }]),
      serviceDisabled(v.port),
      firewall,
    ];
    if (v.via !== 'address') v.causes.push({ text: `${v.address} is not the mail server (an outdated DNS record, a moved server)` });
    if (s.all.length > 0 && s.same.length === s.all.length) v.evidence.push(`every mail port of this address is refused the same way: nothing mail-related accepts connections there`);
  }
  if (v.refusal === 'unknown') v.causes.push({ text: 'a firewall REJECT rule answering with ICMP port-unreachable (iptables\' default), such as a fail2ban ban of this machine' });
  return v;
}

function icmpRejected(v: PortVerdict, s: Siblings): PortVerdict {
  v.meaning = `${where(v)} refused the connection with an ICMP port-unreachable, not a TCP reset: a firewall rule rejects it (a port where nothing listens answers with a reset).`;
  const ban: FittingCause = { text: "a ban of this machine's address: fail2ban (its iptables and nftables ban actions reject this way; its postfix jails ban ports 25, 465 and 587 together), CrowdSec, sshguard" };
  const rule: FittingCause = { cause: 'firewall-blocks-smtp', text: `a firewall REJECT rule for port ${v.port} (iptables' default REJECT answers with ICMP port-unreachable)` };
  const mailPorts = [v.port, ...s.same].filter((p) => [25, 465, 587].includes(p));
  if (mailPorts.length >= 3) {
    v.evidence.push(`${ports([...mailPorts].sort((a, b) => a - b))} are all rejected this way: the pattern of a ban of this client on the mail ports`);
    v.causes = [ban, rule];
  } else if (s.all.some((o) => !s.same.includes(o.port))) {
    v.evidence.push(`only ${ports([v.port, ...s.same].sort((a, b) => a - b))} ${s.same.length === 0 ? 'is' : 'are'} rejected this way on this address: a rule for ${s.same.length === 0 ? 'that port' : 'those ports'}, rather than a ban of this client on every mail port`);
    v.causes = [rule, ban];
  } else v.causes = [ban, rule];
  return v;
}

function unreachable(v: PortVerdict, s: Siblings): PortVerdict {
  const code = v.detail ?? '';
  if (code === 'ENETUNREACH' || code === 'ENETDOWN' || code === 'EAFNOSUPPORT' || code === 'EADDRNOTAVAIL') {
    v.meaning = `this machine has no route to ${v.address} (${code}): the connection never left it.`;
    v.causes = [{ text: "this machine's own network: no route to that network (no IPv6 here?), an interface or VPN down" }];
    return v;
  }
  if (code === 'EACCES' && v.address.includes(':')) {
    // Linux reports an ICMPv6 administratively-prohibited as EACCES, like its own OUTPUT rules.
    v.meaning = `the connection was refused as administratively prohibited (${code}): a firewall rejects it, on the server, on the way, or on this machine.`;
    v.causes = [
      { cause: 'firewall-blocks-smtp', text: 'a firewall rejecting with ICMPv6 admin-prohibited: ip6tables REJECT --reject-with adm-prohibited, an nftables/firewalld reject' },
      { text: `an OUTPUT rule on this machine blocks port ${v.port}` },
    ];
    return v;
  }
  if (code === 'EACCES' || code === 'EPERM') {
    v.meaning = `this machine's own firewall refused to send the connection (${code}).`;
    v.causes = [{ text: `an OUTPUT rule on this machine blocks port ${v.port}${v.port === 25 ? ' (many networks keep their machines from sending on port 25)' : ''}` }];
    return v;
  }
  v.meaning = `the network reported ${v.address} unreachable (ICMP host-unreachable or admin-prohibited${code ? `, ${code}` : ''}): a firewall rejects the connection, or the host cannot be reached.`;
  const firewall: FittingCause = { cause: 'firewall-blocks-smtp', text: 'a firewall rejects with ICMP admin-prohibited: nftables "reject with icmpx admin-prohibited", firewalld\'s zone without the smtp service (firewalld rejects this way)' };
  const ban: FittingCause = { text: "a ban of this machine's address by a tool that rejects this way (fail2ban with a firewalld or nftables reject action)" };
  if (s.answered.length > 0) {
    v.evidence.push(`the host is up: ${ports(s.answered)} on this address answer${s.answered.length === 1 ? 's' : ''}, so port ${v.port} is rejected by a rule for it`);
    v.causes = [firewall, ban];
  } else {
    v.causes = [firewall, { text: 'the host is down, or nothing uses this address (no answer to ARP on its network; a router reports it unreachable)' }, ban];
  }
  return v;
}

function timedOut(v: PortVerdict, s: Siblings): PortVerdict {
  v.meaning = `no answer to the connection attempt${v.detail && /\d+ ms/.test(v.detail) ? ` (${/(\d+ ms)/.exec(v.detail)?.[1]})` : ''}: packets to port ${v.port} are dropped somewhere between this machine and the server.`;
  const server: FittingCause = { cause: 'firewall-blocks-smtp', text: "a firewall on the server drops them (iptables/nftables DROP, ufw's default deny incoming)" };
  const provider: FittingCause = { text: `a provider's firewall in front of the host: a cloud security group or network firewall that does not allow port ${v.port}` };
  const local: FittingCause = { text: "this machine's network blocks outgoing port 25 (most ISPs and many cloud providers do): try from another network" };
  if (s.answered.length > 0) {
    v.evidence.push(`the host is up and reachable from here: ${ports(s.answered)} on this address answer${s.answered.length === 1 ? 's' : ''}; only port ${v.port} is dropped`);
    v.causes = [server, provider, ...(v.port === 25 ? [local] : [])];
  } else {
    if (s.all.length > 0 && s.same.length === s.all.length) v.evidence.push('no mail port of this address answers: the host is down, the address is wrong, or everything is filtered');
    v.causes = [server, provider, ...(v.port === 25 ? [local] : []), { text: 'the host is down, or the address is wrong' }];
  }
  return v;
}

function noBanner(v: PortVerdict, r: DialResult): PortVerdict {
  const detail = r.detail ?? '';
  const dies: FittingCause = { cause: 'smtpd-dies-at-startup', text: "smtpd exits as it starts (a fatal: error in Postfix's log); after a few, the master stops the service for a while" };
  const waits: FittingCause = { cause: 'smtp-no-banner', text: 'smtpd waits before greeting: a DNS lookup of this client on a slow or dead resolver, an overloaded server' };
  const foreign: FittingCause = { cause: 'port-held-by-unknown', text: 'another program holds the port and does not speak SMTP, or a proxy or load balancer with nothing behind it' };
  if (r.outcome === 'banner') {
    v.meaning = `something answers on ${where(v)}, but not with an SMTP greeting: "${r.banner ?? ''}".`;
    v.causes = [foreign];
  } else if (/TLS handshake/.test(detail)) {
    v.meaning = `connects, but the TLS handshake failed (${detail.replace(/^TLS handshake (failed: )?/, '')}): port ${v.port} ${v.port === 465 ? 'speaks TLS from the first byte' : 'was dialled with TLS first'}, and no greeting came.`;
    v.causes = [
      { text: "Postfix cannot load its certificate or key for this service (smtpd_tls_cert_file, smtpd_tls_key_file: missing, or they do not match)" },
      { text: 'the service does not speak TLS from the first byte (smtpd_tls_wrappermode=yes is missing), or something else holds the port' },
      dies,
    ];
  } else if (/closed/.test(detail)) {
    v.meaning = `connects, then the server closed the connection without a greeting.`;
    v.causes = [dies, { text: 'a limit on connections from this client (smtpd_client_connection_count_limit, a tcp_wrappers or proxy rule)' }, foreign];
  } else {
    v.meaning = `connects, but no greeting came${/within (\d+ ms)/.test(detail) ? ` within ${/within (\d+ ms)/.exec(detail)?.[1]}` : ''}: something accepted the connection and stays silent.`;
    v.causes = [waits, foreign, dies];
  }
  return v;
}

function rejected(v: PortVerdict): PortVerdict {
  const text = v.banner ?? String(v.code);
  v.meaning = `connects, but greets with a refusal: "${text}": the server turns this client away before any mail is sent.`;
  const causes: FittingCause[] = [];
  if (v.code === 421) causes.push({ text: 'the server is overloaded or shutting down, or limits connections from this client (smtpd_client_connection_rate_limit, anvil)' });
  if (/\b5\.3\.2\b|Service currently unavailable/i.test(text) || v.code === 521) causes.push({ text: 'postscreen turns this client away: postscreen_access_list, a DNSBL score (postscreen_dnsbl_threshold), with a drop action' });
  if (/blocked using|listed|spamhaus|rbl|dnsbl|blocklist|blacklist/i.test(text)) causes.push({ text: "this client's address is on a DNS blocklist the server checks" });
  causes.push({ cause: 'smtp-banner-rejects', text: 'Postfix rejects this client at connect time: smtpd_client_restrictions (check_client_access, reject_rbl_client) with smtpd_delay_reject = no' });
  if (!causes.some((c) => /postscreen/.test(c.text))) causes.push({ text: 'postscreen turns this client away (postscreen_access_list, DNSBL)' });
  v.causes = causes;
  return v;
}

function greeted(v: PortVerdict, r: DialResult): PortVerdict {
  v.meaning = `greets${v.name ? ` as ${v.name}` : ''}${v.software ? ` (${v.software})` : ''}.`;
  if (r.detail && /multi-line greeting/.test(r.detail)) v.evidence.push('the greeting is held back after its first line: postscreen\'s pregreet pause (a client must wait for the whole greeting)');
  const tls = v.tls;
  if (tls) {
    if (tls.mode === 'starttls' && !tls.offered) v.warnings.push('STARTTLS is not offered (starttls-missing): mail to this port travels in plain text');
    else if (!tls.ok) v.warnings.push(`TLS does not work: ${tls.detail ?? 'the handshake failed'}${/^454\b/.test(tls.detail ?? '') ? ' (Postfix cannot load its certificate or key)' : ''}`);
    const cert = tls.certificate;
    if (cert && cert.daysLeft < 0) v.warnings.push(`the certificate expired ${-cert.daysLeft} day(s) ago (${cert.notAfter.slice(0, 10)})`);
    else if (cert && cert.daysLeft < EXPIRY_WARN_DAYS) v.warnings.push(`the certificate expires in ${cert.daysLeft} day(s) (${cert.notAfter.slice(0, 10)})`);
  }
  if ((v.port === 587 || v.port === 465) && tls?.ok && !tls.auth) v.evidence.push(`no AUTH offered once TLS is up: only clients the server trusts without a login (mynetworks) can send here`);
  const relay = relayView(r);
  if (relay) {
    v.relay = relay;
    if (relay.verdict === 'accepted') v.warnings.push(`OPEN RELAY (for this client): ${relay.to} was accepted from ${relay.from} (the test stopped before DATA: nothing was sent)`);
  }
  if (v.software && v.software !== 'Postfix') v.evidence.push(`the greeting names ${v.software}, not Postfix: if this server should run Postfix, another MTA holds the port (port-held-by-mta)`);
  return v;
}

function tlsView(r: DialResult, now: number): TlsView {
  const t = r.tls as NonNullable<DialResult['tls']>;
  const view: TlsView = { mode: t.mode, offered: t.offered, ok: t.ok };
  if (t.detail) view.detail = t.detail;
  if (t.protocol) view.protocol = t.protocol;
  if (t.cipher) view.cipher = t.cipher;
  if (t.certificate) {
    const c = t.certificate;
    const cert: CertificateView = { ...c, daysLeft: Math.floor((Date.parse(c.notAfter) - now) / DAY_MS) };
    view.certificate = cert;
  }
  if (t.trusted !== undefined) view.trusted = t.trusted;
  if (t.trustError) view.trustError = t.trustError;
  if (t.nameMatches !== undefined) view.nameMatches = t.nameMatches;
  const auth = (r.ehloTls ?? (t.mode === 'implicit' ? r.ehlo : undefined))?.find((k) => /^AUTH[ =]/i.test(k));
  if (auth) view.auth = auth.slice(5).trim().split(/\s+/).filter(Boolean);
  return view;
}

function relayView(r: DialResult): RelayView | undefined {
  if (r.dialogue === undefined) return undefined;
  const ends = { from: RELAY_TEST.from, to: RELAY_TEST.to };
  const mail = r.dialogue.find((d) => d.command === 'MAIL');
  const rcpt = r.dialogue.find((d) => d.command === 'RCPT');
  const last = r.dialogue.at(-1);
  if (!last) return { verdict: 'not-tried', ...ends };
  const stage = last.command;
  const at = { stage, code: last.code, text: last.text };
  if (last.code === 0) return { verdict: 'no-answer', ...at, ...ends };
  if (rcpt && rcpt.code >= 200 && rcpt.code < 300) return { verdict: 'accepted', stage: 'RCPT', code: rcpt.code, text: rcpt.text, ...ends };
  // Postfix's default relay rule, defer_unauth_destination, refuses with 454: still a refusal.
  if (last.code >= 500 || /relay access denied|relaying denied|not permitted to relay|relay not permitted/i.test(last.text)) return { verdict: 'refused', ...at, ...ends };
  if (last.code >= 400) return { verdict: 'deferred', ...at, ...ends };
  if (!mail) return { verdict: 'not-tried', ...at, ...ends };
  return { verdict: 'no-answer', ...at, ...ends };
}
