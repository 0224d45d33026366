// Which master.cf service answers a TCP port, as Postfix reads master.cf (`postconf -F`/`-P`, so
// commented lines are not services), whether master_service_disable turns it off, and what a
// client there needs (TLS from the first byte on 465). A port no service offers is a finding when
// someone asks about it — "submission is not enabled" — never a healthy port.
// Pure: facts in, answer out; diagnose's --port checks call it.

import { disabledBy } from '../facts/master-cf.js';
import type { Facts, MasterService } from '../facts/types.js';

export interface PortService {
  port: number;
  /** The service that offers the port (`submission/inet`, `127.0.0.1:submission/inet`), or null: none does. */
  service: string | null;
  /** The daemon behind it (`smtpd`, `postscreen`); null when no service offers the port. */
  command: string | null;
  /** Bound to one address only (`127.0.0.1:submission`), else null: the addresses inet_interfaces names. */
  address: string | null;
  /** Offered and not turned off by master_service_disable. */
  enabled: boolean;
  /** The master_service_disable pattern that turns it off (`inet`, `submission/inet`), when one does. */
  disabledBy: string | null;
  /** TLS from the first byte (smtpd_tls_wrappermode=yes, the 465 way). */
  wrappermode: boolean;
  /** The cause to report when a client needs this port and it is not served; null when served. */
  cause: 'smtp-service-disabled' | 'submission-port-disabled' | null;
  /** One line for evidence. */
  why: string;
}

const NAMES: Readonly<Record<number, string>> = { 25: 'smtp', 587: 'submission', 465: 'submissions' };

/** Services that answer `port`: inet, with that port; the wildcard ones before address-bound ones. */
function candidates(facts: Facts, port: number): MasterService[] {
  return facts.postfix.services.filter((s) => s.type === 'inet' && s.port === port).sort((a, b) => Number(a.address !== null) - Number(b.address !== null));
}

export function portService(facts: Facts, port: number): PortService {
  const disable = facts.postfix.params.master_service_disable ?? '';
  const all = candidates(facts, port);
  const on = all.find((s) => disabledBy(disable, s.service, s.type) === null);
  const svc = on ?? all[0] ?? null;
  const missingCause = port === 25 ? 'smtp-service-disabled' : 'submission-port-disabled';
  if (svc === null) {
    const name = NAMES[port];
    return {
      port,
      service: null,
      command: null,
      address: null,
      enabled: false,
      disabledBy: null,
      wrappermode: false,
      cause: missingCause,
      why: `no service in master.cf offers port ${port}${name ? ` (${name}${port === 587 || port === 465 ? ': Debian ships it commented out' : ''})` : ''}`,
    };
  }
  const by = on ? null : disabledBy(disable, svc.service, svc.type);
  const id = `${svc.service}/${svc.type}`;
  return {
    port,
    service: id,
    command: svc.command,
    address: svc.address,
    enabled: by === null,
    disabledBy: by,
    wrappermode: svc.params.smtpd_tls_wrappermode === 'yes',
    cause: by === null ? null : missingCause,
    why: by === null ? `${id} (${svc.command}${svc.address ? ` on ${svc.address} only` : ''}) offers port ${port}` : `${id} offers port ${port}, but master_service_disable = ${disable} turns it off (${by})`,
  };
}

/** What the client-side port check needs: the SMTP service on the port as master.cf has it. */
export interface ClientPortService {
  port: number;
  /** The inet service on that port whose daemon talks SMTP (smtpd, or postscreen in front of it). */
  service: MasterService | null;
  /** Another kind of service holds the port in master.cf (a content filter's reinjection, …). */
  other: MasterService | null;
  /** master_service_disable turns it off. */
  disabled: boolean;
  /** TLS from the first byte (smtpd_tls_wrappermode=yes, as port 465 expects). */
  wrappermode: boolean;
}

const SMTP_DAEMONS = new Set(['smtpd', 'postscreen']);

export function serviceForPort(facts: Facts, port: number): ClientPortService {
  const onPort = candidates(facts, port);
  const service = onPort.find((s) => SMTP_DAEMONS.has(s.command)) ?? null;
  const other = service ? null : (onPort[0] ?? null);
  const disabled = service !== null && disabledBy(facts.postfix.params.master_service_disable ?? '', service.service, service.type) !== null;
  const wrap = service?.params.smtpd_tls_wrappermode ?? facts.postfix.params.smtpd_tls_wrappermode ?? 'no';
  return { port, service, other, disabled, wrappermode: /^(yes|true|1)$/i.test(wrap) };
}

/** The cause for a port a client needs that no enabled service answers: the runbook's, where one exists. */
export function unservedCause(port: number): 'smtp-service-disabled' | 'submission-port-disabled' | 'port-not-served' {
  return port === 25 ? 'smtp-service-disabled' : port === 587 || port === 465 ? 'submission-port-disabled' : 'port-not-served';
}
