// Who holds the SMTP ports, shared by the listener, banner, reachability and firewall probes.

import { factFailed } from '../facts/gather.js';
import { isLoopbackAddress } from '../facts/ss.js';
import type { Facts, Listener } from '../facts/types.js';

export const SUBMISSION_PORTS = [587, 465] as const;

export function listenersOn(facts: Facts, port: number): Listener[] {
  return facts.listeners.filter((l) => l.port === port);
}

export function allLoopback(ls: readonly Listener[]): boolean {
  return ls.length > 0 && ls.every((l) => isLoopbackAddress(l.address));
}

/**
 * The SMTP ports worth judging: 25 always, submission ports when something serves them, and the
 * ports a person asked about (--port) that something serves. An asked-for port nothing serves is
 * the client-ports check's finding (which master.cf service should answer it), not a dial's.
 */
export function servedPorts(facts: Facts): number[] {
  const base = [25, ...SUBMISSION_PORTS.filter((p) => listenersOn(facts, p).length > 0)];
  const asked = (facts.client?.ports ?? []).filter((p) => !base.includes(p) && listenersOn(facts, p).length > 0);
  return [...base, ...asked];
}

/**
 * Does master.cf (as Postfix reads it, `postconf -F`) declare an inet service on `port` that
 * master_service_disable does not turn off? null when master.cf could not be read. Known without
 * Postfix running: what it will listen on once it starts.
 */
export function declaresPort(facts: Facts, port: number): boolean | null {
  if (!facts.postfix.installed || factFailed(facts, 'postfix.services') || facts.postfix.services.length === 0) return null;
  const disabled = (facts.postfix.params.master_service_disable ?? '').split(/[\s,]+/).filter(Boolean);
  return facts.postfix.services.some((s) => s.type === 'inet' && s.port === port && !disabled.includes('inet') && !disabled.includes(`${s.service}/inet`));
}

/**
 * The SMTP ports a firewall must let through: those served now, and those master.cf declares
 * (so a rule blocking 587 shows up front, not only once a stopped Postfix starts serving it).
 */
export function offeredPorts(facts: Facts): number[] {
  return [25, ...SUBMISSION_PORTS.filter((p) => listenersOn(facts, p).length > 0 || declaresPort(facts, p) === true)];
}
