// `postfix-fix probe` for a person at a terminal: the verdict in one line, where the name led,
// then each address and port: what it did, what that means, the causes on the server that fit,
// and what to run there next.

import { NO_COLOURS } from './colour.js';
import { OUTCOME_WORDS } from '../probes/client/report.js';
import type { Colours } from './colour.js';
import type { PortVerdict, ProbeReport, TlsView } from '../probes/client/types.js';

export function renderProbeText(report: ProbeReport, c: Colours = NO_COLOURS): string {
  const out: string[] = [];
  const head = report.ok ? c.green(c.bold('✓')) : c.red(c.bold('✗'));
  out.push(`${head} ${c.bold(report.target)}: ${report.summary}`);
  out.push(...resolutionLines(report).map((l) => c.dim(`  ${l}`)));
  for (const r of report.results) out.push('', ...resultLines(r, c));
  for (const s of report.skipped) out.push('', c.dim(`  not dialled: ${s.address}: ${s.reason}`));
  for (const u of report.unresolved) out.push('', `${c.red('✗')} port ${u.port}: nothing to dial: ${u.reason}`);
  if (report.next.length > 0) out.push('', `${c.bold('Next:')} ${c.cyan(report.next[0] as string)}`, ...report.next.slice(1).map((n) => c.dim(`      ${n}`)));
  out.push('', c.dim(`probe · ports ${report.ports.join(', ')} · ${(report.durationMs / 1000).toFixed(2)} s of ${(report.timeoutMs / 1000).toFixed(report.timeoutMs % 1000 === 0 ? 0 : 1)} s`));
  return out.join('\n') + '\n';
}

function resolutionLines(report: ProbeReport): string[] {
  const res = report.resolution;
  const from = report.source ? ` (from ${report.source})` : '';
  if (res.kind === 'address') return [`dialled ${report.target} directly${from}`];
  const lines: string[] = [];
  const mx = res.mx;
  const target = res.hosts.find((h) => h.role === 'target');
  const mxHosts = res.hosts.filter((h) => h.role === 'mx');
  if (mx && mx.status === 'ok' && !mx.nullMx) lines.push(`MX: ${mxHosts.map((h) => `${h.preference ?? '?'} ${h.name} → ${h.addresses.length > 0 ? h.addresses.join(', ') : h.detail}${h.source === 'hosts-file' ? ' (/etc/hosts)' : ''}`).join('; ')}`);
  else if (mx) lines.push(`MX: ${mx.detail}${mx.status !== 'nodata' && mx.status !== 'nxdomain' && !mx.nullMx && target && target.addresses.length > 0 ? ` (port 25 dialled at ${target.name}'s own address instead: a sending server would wait for the MX)` : ''}`);
  if (target) lines.push(`${target.name}: ${target.addresses.length > 0 ? target.addresses.join(', ') : target.detail}${target.source === 'hosts-file' ? ' (/etc/hosts)' : ''}`);
  lines.push(`port 25 goes to the MX hosts (without MX: the name itself); other ports to the name's own addresses${from}`);
  return lines;
}

function resultLines(r: PortVerdict, c: Colours): string[] {
  const where = r.address.includes(':') ? `[${r.address}]:${r.port}` : `${r.address}:${r.port}`;
  const mark = r.greets ? (r.warnings.length > 0 ? c.yellow('!') : c.green('✓')) : c.red('✗');
  const name = r.host && r.host !== r.address ? ` ${c.dim(`(${r.host})`)}` : '';
  const lines = [`${mark} ${c.bold(where)}${name}  ${OUTCOME_WORDS[r.outcome]}  ${c.dim(`${r.ms} ms`)}`];
  const indent = (s: string): string => `    ${s}`;
  if (r.banner !== undefined) lines.push(indent(c.dim(r.banner)));
  lines.push(indent(r.meaning));
  if (r.tls) lines.push(...tlsLines(r.tls).map(indent));
  if (r.relay) {
    const rl = r.relay;
    const verdict = rl.verdict === 'refused' ? 'refused' : rl.verdict === 'accepted' ? c.red('ACCEPTED') : rl.verdict;
    lines.push(indent(`relay test (${rl.from} → ${rl.to}, never DATA): ${verdict}${rl.stage ? ` at ${rl.stage}` : ''}${rl.text ? `: ${rl.text}` : ''}`));
  }
  for (const w of r.warnings) lines.push(indent(c.yellow(`! ${w}`)));
  for (const e of r.evidence) lines.push(indent(c.dim(`· ${e}`)));
  if (r.causes.length > 0) {
    lines.push(indent('Fits, on the server (most likely first):'));
    for (const cause of r.causes) lines.push(indent(`  - ${cause.text}${cause.cause ? c.dim(` [${cause.cause}]`) : ''}`));
  }
  return lines;
}

function tlsLines(t: TlsView): string[] {
  const lines: string[] = [];
  const label = t.mode === 'implicit' ? 'TLS (from the first byte)' : 'STARTTLS';
  if (t.mode === 'starttls' && !t.offered) lines.push(`${label}: not offered`);
  else if (!t.ok) lines.push(`${label}: fails: ${t.detail ?? 'the handshake failed'}`);
  else lines.push(`${label}: works (${[t.protocol, t.cipher].filter(Boolean).join(', ')})${t.auth ? `; AUTH ${t.auth.join(' ')}` : ''}`);
  const cert = t.certificate;
  if (cert) {
    const names = cert.altNames.length > 0 ? cert.altNames.join(', ') : '(no subjectAltName)';
    const trust = t.trusted ? 'trusted' : `not trusted${t.trustError ? ` (${t.trustError})` : ''}`;
    const match = t.nameMatches === undefined ? '' : t.nameMatches ? '; names this host' : '; does NOT name this host';
    const days = cert.daysLeft < 0 ? `EXPIRED ${-cert.daysLeft} day(s) ago` : `${cert.daysLeft} day(s) left`;
    lines.push(`certificate: ${cert.commonName ?? cert.subject} [${names}], until ${cert.notAfter.slice(0, 10)} (${days}); ${trust}${match}`);
  }
  return lines;
}
