// The ports a person asked about (--port, or 25 plus every smtpd port master.cf offers): is there
// a master.cf service for each, is it turned on, does something listen there, and does 465 speak
// TLS from the first byte? A port no service offers is a finding ("submission is not enabled"),
// never "healthy": the client's refusal is that port's.

import { factFailed } from '../facts/gather.js';
import { ok, problem, unknown } from './finding.js';
import { serviceForPort, unservedCause } from './port-service.js';
import { listenersOn } from './smtp-ports.js';
import type { Facts } from '../facts/types.js';
import type { Finding, Probe } from './types.js';

/** The names master.cf and /etc/services give the mail ports. */
const PORT_NAMES: Readonly<Record<number, string>> = { 25: 'smtp', 587: 'submission', 465: 'submissions' };

export const clientPortsProbe: Probe = {
  name: 'client_ports',
  description: 'which master.cf service answers each port the client uses',
  timeoutMs: 500,
  causes: ['port-not-served', 'submission-port-disabled', 'smtp-service-disabled', 'submissions-without-wrappermode'],
  async run(ctx) {
    const client = ctx.facts.client;
    if (!client || !ctx.facts.postfix.installed) return [];
    const failed = factFailed(ctx.facts, 'postfix.services');
    if (failed) return [unknown('client_ports', 'could not read master.cf services', [failed])];
    const masterCf = await ctx.fs.tryReadText(ctx.facts.postfix.masterCf.path).catch(() => null);
    return client.ports.map((port) => judgePort(ctx.facts, port, masterCf));
  },
};

function judgePort(facts: Facts, port: number, masterCf: string | null): Finding {
  const name = PORT_NAMES[port];
  const label = name ? `${name} (port ${port})` : `port ${port}`;
  const ps = serviceForPort(facts, port);
  const listening = listenersOn(facts, port);
  const commented = masterCf ? commentedLines(masterCf, port) : [];
  if (!ps.service) {
    const evidence = [
      ps.other ? `master.cf: ${ps.other.service}/inet runs ${ps.other.command}, not smtpd` : `master.cf has no service on port ${port} (postconf -M lists none)`,
      ...commented.slice(0, 3).map((c) => `master.cf line ${c.line} is commented out: ${c.text}`),
      ...(listening.length > 0 ? [`port ${port} is held by ${listening.map((l) => l.process ?? '?').join(', ')}`] : [`nothing listens on port ${port}: clients are refused`]),
    ];
    const steps = [`Add a service for port ${port} with postconf -M (e.g. postconf -M ${port}/inet="${port} inet n - y - - smtpd"), or point the client at a port Postfix serves`];
    const cause = unservedCause(port);
    // Where a runbook restores the service (smtp, submission, submissions), it is offered; other ports are a human's choice.
    return problem('fail', 'client_ports', cause, evidence, {
      title: `${name ? `${name} is not enabled: ` : ''}no master.cf service answers port ${port}`,
      ...(cause === 'port-not-served' ? { human: { reason: `whether to offer ${label} (and with which TLS and authentication) is a decision about this server`, steps } } : {}),
    });
  }
  const svc = `${ps.service.service}/inet (${ps.service.command}${ps.service.address ? ` on ${ps.service.address}` : ''})`;
  const evidence = [`master.cf: ${svc} answers port ${port}`];
  if (ps.disabled) {
    const cause = unservedCause(port);
    return problem('fail', 'client_ports', cause, [...evidence, `master_service_disable = ${facts.postfix.params.master_service_disable} turns it off`], {
      title: `${label}: master.cf has ${ps.service.service}/inet, but master_service_disable turns it off`,
      ...(cause === 'port-not-served' ? { human: { reason: 'master_service_disable is set on purpose, usually', steps: [`postconf -e master_service_disable= (or leave ${ps.service.service}/inet out of it), then postfix reload`] } } : {}),
    });
  }
  if (facts.postfix.running && listening.length === 0) {
    return problem('fail', 'client_ports', 'port-not-served', [...evidence, `nothing listens on port ${port} although Postfix runs: master.cf changed since the last reload?`], {
      title: `${label}: master.cf has ${ps.service.service}/inet, but nothing listens on port ${port}`,
      human: { reason: 'Postfix has not loaded the service', steps: ['postfix check && postfix reload', `ss -ltnp 'sport = :${port}'`] },
    });
  }
  if (port === 465 && !ps.wrappermode) {
    return problem('fail', 'client_ports', 'submissions-without-wrappermode', [...evidence, `${ps.service.service}/inet: smtpd_tls_wrappermode = ${ps.service.params.smtpd_tls_wrappermode ?? facts.postfix.params.smtpd_tls_wrappermode ?? 'no'}`, 'clients of port 465 start TLS at once; a plain-text banner there fails their handshake'], {
      title: 'port 465 is served without smtpd_tls_wrappermode=yes: clients expecting TLS at once fail',
      human: { reason: 'a master.cf option of that service', steps: [`postconf -P "${ps.service.service}/inet/smtpd_tls_wrappermode=yes" && postfix reload`] },
    });
  }
  if (port !== 465 && ps.wrappermode) evidence.push(`smtpd_tls_wrappermode=yes: TLS from the first byte (clients must not expect a plain banner on ${port})`);
  else if (port === 465) evidence.push('smtpd_tls_wrappermode=yes: TLS from the first byte');
  return ok('client_ports', `${label} is served by ${svc}`, evidence);
}

/** The `#name inet …` lines of master.cf for the port: where a person would look first. */
export function commentedLines(text: string, port: number): Array<{ line: number; text: string }> {
  const names = new Set([String(port), ...(PORT_NAMES[port] ? [PORT_NAMES[port] as string] : []), ...(port === 465 ? ['smtps'] : [])]);
  const lines = text.split('\n');
  const out: Array<{ line: number; text: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^#\s*(\S+)\s+inet\s/.exec(lines[i] as string);
    if (!m) continue;
    const field = m[1] as string;
    const svc = field.includes(':') ? field.slice(field.lastIndexOf(':') + 1) : field;
    if (names.has(svc)) out.push({ line: i + 1, text: (lines[i] as string).trim() });
  }
  return out;
}
