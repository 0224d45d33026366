// Resolve a user-facing fact path (`master_pid.locked`) against the typed Facts. The few derived
// paths are computed here so runbooks stay declarative.

import { interfacesOf } from './inet-interfaces.js';
import { chrootConvention, disabledBy, withoutDisabling } from './master-cf.js';
import { FACT_PATHS, WATCHED_PARAMS } from './types.js';
import type { Facts, FactType } from './types.js';

export function factType(path: string): FactType | null {
  const known = FACT_PATHS[path];
  if (known) return known;
  const m = /^postfix\.params\.([a-z0-9_]+)$/.exec(path);
  return m && (WATCHED_PARAMS as readonly string[]).includes(m[1] as string) ? 'string' : null;
}

export type FactValue = string | number | boolean | string[] | number[] | null;

const DERIVED: Readonly<Record<string, (f: Facts) => FactValue>> = {
  'master_pid.locked': (f) => f.masterPid.lockHolder !== null,
  'master_pid.lock_holder_pid': (f) => f.masterPid.lockHolder?.pid ?? null,
  'other_mtas.names': (f) => [...new Set(f.otherMtas.map((m) => m.name))],
  'other_mtas.units': (f) => [...new Set(f.otherMtas.map((m) => m.unit).filter((u): u is string => u !== null))],
  'other_mtas.pids': (f) => [...new Set(f.otherMtas.map((m) => m.pid))],
  'other_mtas.present': (f) => f.otherMtas.length > 0,
  // "managed": a service manager can stop it (a unit we know); otherwise only its pid can.
  'other_mtas.managed': (f) => f.otherMtas.length > 0 && f.otherMtas.every((m) => m.unit !== null),
  'master_pid.foreign_lock': (f) => f.masterPid.lockHolder !== null && f.masterPid.lockHolder.process !== 'master',
  'smtp_port.holder': (f) => smtpPortHolder(f).holder,
  'smtp_port.holder_pid': (f) => smtpPortHolder(f).pid,
  'dependencies.any_down': (f) => f.dependencies.endpoints.some((d) => !d.answers),
  // Down, and nothing here postfix-fix could start for it (no unit known, its socket made in the
  // wrong place, or its daemon already running): what a human must decide.
  'dependencies.down_unserved': (f) => f.dependencies.endpoints.filter((d) => !d.answers && (d.candidates.length === 0 || d.misplaced !== null || d.ownerRunning === true)).map((d) => d.spec),
  'dependencies.down_milters': (f) => f.dependencies.endpoints.filter((d) => !d.answers && d.kind === 'milter').map((d) => d.spec),
  // `localhost` can only reach a Postfix listening on ::1 if lo has it.
  'network.loopback_ipv6': (f) => f.network.ipv6Available && f.network.interfaces.some((i) => i.loopback && i.up && i.addresses.some((a) => a.family === 6 && a.address === '::1')),
  // '' when a backend answers: a precondition `equals: ""` then shows what was tried when none does.
  'sasl.problem': (f) => (f.sasl.available ? '' : f.sasl.detail),
  'inet_interfaces.kept': (f) => interfacesOf(f).kept,
  'inet_interfaces.missing': (f) => interfacesOf(f).missing,
  'inet_interfaces.kept_beyond_loopback': (f) => interfacesOf(f).keptBeyondLoopback,
  'master_cf.chroot': (f) => chrootConvention(f.postfix.services),
  'master_cf.smtp_defined': (f) => f.postfix.services.some((s) => s.service === 'smtp' && s.type === 'inet'),
  'master_cf.smtp_disabled': (f) => disabledBy(f.postfix.params.master_service_disable ?? '', 'smtp', 'inet') !== null,
  'master_cf.service_disable_without_smtp': (f) => withoutDisabling(f.postfix.params.master_service_disable ?? '', 'smtp', 'inet'),
  'client.given': (f) => (f.client?.address ?? null) !== null,
  'client.address': (f) => f.client?.address ?? null,
  'client.ports': (f) => f.client?.ports ?? null,
  'client.fail2ban_jails': (f) => clientBanJails(f),
  'client.fail2ban_banned': (f) => (clientBanJails(f) ?? []).length > 0,
  'client.on_bridge': (f) => (f.client?.bridge ?? null) !== null,
  'client.bridge_address': (f) => f.client?.bridge?.address ?? null,
  'client.bridge_subnet': (f) => f.client?.bridge?.subnet ?? null,
  'fail2ban.running': (f) => f.fail2ban?.running === true,
};

/**
 * The fail2ban jails whose ban refuses the client on a port asked about: fail2ban says it bans
 * the client there, and the firewall walk meets that jail's rule on the way to the port. A ban
 * in a jail that guards other ports (sshd on 22) is not this symptom, and is left alone.
 */
export function clientBanJails(f: Facts): string[] | null {
  const banning = f.fail2ban?.clientJails;
  if (!banning || !f.client?.address) return null;
  const met = new Set((f.firewall.clientVerdicts ?? []).flatMap((v) => v.toolRules.map((r) => r.jail)).filter((j): j is string => j !== null));
  return banning.filter((j) => met.has(j));
}

/** Who listens on port 25: postfix (its master), none, mta (a known conflicting MTA), unknown. */
export function smtpPortHolder(f: Facts): { holder: 'postfix' | 'none' | 'mta' | 'unknown'; pid: number | null } {
  const on25 = f.listeners.filter((l) => l.port === 25);
  if (on25.length === 0) return { holder: 'none', pid: null };
  const foreign = on25.find((l) => l.process !== 'master' && !f.otherMtas.some((m) => m.pid === l.pid));
  if (foreign) return { holder: 'unknown', pid: foreign.pid };
  const mta = on25.find((l) => f.otherMtas.some((m) => m.pid === l.pid));
  if (mta) return { holder: 'mta', pid: mta.pid };
  return { holder: 'postfix', pid: on25[0]?.pid ?? null };
}

/** The value at `path`, or null when the fact is unknown on this host (never a made-up default). */
export function readFact(facts: Facts, path: string): FactValue {
  const derived = DERIVED[path];
  if (derived) return derived(facts);
  if (factType(path) === null) throw new Error(`unknown fact path: ${path}`);
  let cur: unknown = facts;
  const parts = path.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    // Postfix parameter names are real snake_case keys; everything else is camelCase in TS.
    const key = i === 2 && parts[0] === 'postfix' && parts[1] === 'params' ? part : snakeToCamel(part);
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur === undefined ? null : (cur as FactValue);
}

export function snakeToCamel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}
