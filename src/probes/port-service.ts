// Which master.cf service answers a TCP port, as Postfix reads master.cf (facts.postfix.services,
// from postconf -F/-P): a minimal answer the client-ports check needs — kept in this one function
// so a fuller one (the submission-ports work) can replace it without touching the check.

import type { Facts, MasterService } from '../facts/types.js';

export interface PortService {
  port: number;
  /** The inet service on that port whose daemon talks SMTP (smtpd, or postscreen in front of it). */
  service: MasterService | null;
  /** Another kind of service holds the port in master.cf (a content filter's reinjection, …). */
  other: MasterService | null;
  /** master_service_disable turns it off (`inet`, or `NAME.inet`). */
  disabled: boolean;
  /** The service runs with smtpd_tls_wrappermode=yes (TLS from the first byte, as port 465 expects). */
  wrappermode: boolean;
}

const SMTP_DAEMONS = new Set(['smtpd', 'postscreen']);
const YES = /^(yes|true|1)$/i;

export function serviceForPort(facts: Facts, port: number): PortService {
  const onPort = facts.postfix.services.filter((s) => s.type === 'inet' && s.port === port);
  const service = onPort.find((s) => SMTP_DAEMONS.has(s.command)) ?? null;
  const other = service ? null : (onPort[0] ?? null);
  const disable = (facts.postfix.params.master_service_disable ?? '').split(/[\s,]+/).filter(Boolean);
  const disabled = service !== null && (disable.includes('inet') || disable.includes(`${service.service}.inet`));
  const wrap = service?.params.smtpd_tls_wrappermode ?? facts.postfix.params.smtpd_tls_wrappermode ?? 'no';
  return { port, service, other, disabled, wrappermode: YES.test(wrap) };
}
