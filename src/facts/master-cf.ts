// What master.cf means beyond its entries: master_service_disable (a Postfix match list over
// service types and `name/type` pairs) and the host's own conventions for new entries. Read from
// the services as `postconf -F` parses them (facts.postfix.services), never from master.cf's text.

import type { MasterService } from './types.js';

function tokens(value: string): string[] {
  return value.split(/[\s,]+/).filter(Boolean);
}

function matches(pattern: string, service: string, type: string): boolean {
  return pattern === type || pattern === `${service}/${type}`;
}

/**
 * Does master_service_disable turn this service off? A match list: the first pattern that
 * matches decides, `!pattern` excludes (Postfix ≥ 3.5). The deciding token when it does.
 */
export function disabledBy(masterServiceDisable: string, service: string, type: string): string | null {
  for (const t of tokens(masterServiceDisable)) {
    const negated = t.startsWith('!');
    if (matches(negated ? t.slice(1) : t, service, type)) return negated ? null : t;
  }
  return null;
}

/**
 * master_service_disable without the patterns that turn this service off (`inet`, `smtp/inet`),
 * every other pattern kept in order. Dropping `inet` turns every inet service back on: the plan
 * shows the value, and a reviewer sees it.
 */
export function withoutDisabling(masterServiceDisable: string, service: string, type: string): string {
  return tokens(masterServiceDisable)
    .filter((t) => t.startsWith('!') || !matches(t, service, type))
    .join(', ');
}

/**
 * The chroot column this host's master.cf uses for Postfix's own daemons (Debian: y, Red Hat and
 * upstream: n), so a service added here runs like its neighbours: a chrooted smtpd on a host
 * whose chroot was never populated cannot resolve names or reach its sockets.
 */
export function chrootConvention(services: readonly MasterService[]): 'y' | 'n' {
  for (const [service, type] of [['cleanup', 'unix'], ['smtp', 'inet'], ['pickup', 'unix'], ['smtp', 'unix']] as const) {
    const s = services.find((x) => x.service === service && x.type === type);
    if (s) return s.chroot ? 'y' : 'n';
  }
  return 'n';
}
