// The log lines that explain refused connections, found in the tail of whatever log the host has.
// Start-time failures count only after the last start attempt (a bind conflict from last month
// explains nothing today); running-time ones count when recent.

import { parseLogTime } from './log-time.js';

export type LogPatternId =
  | 'bind-conflict'
  | 'ipv6-disabled'
  | 'no-local-interface'
  | 'already-running'
  | 'lost-after-connect'
  | 'connect-failed'
  | 'main-cf-denied'
  | 'relay-restrictions-fatal';

export interface LogEvent {
  id: LogPatternId;
  line: string;
  at: number | null;
  /** Captured details: the address and port of a bind or connect, the interface named. */
  detail: Record<string, string>;
}

interface Pattern {
  id: LogPatternId;
  re: RegExp;
  /** `start`: only after the last start attempt; `recent`: within the recency window. */
  scope: 'start' | 'recent';
  fields: string[];
}

const PATTERNS: Pattern[] = [
  { id: 'bind-conflict', re: /fatal: bind (\S+) port (\d+): Address already in use/, scope: 'start', fields: ['address', 'port'] },
  { id: 'ipv6-disabled', re: /inet_protocols: (?:IPv6 support is disabled|disabling IPv6 name\/address support)|no local interface found for ::1/, scope: 'start', fields: [] },
  { id: 'no-local-interface', re: /parameter inet_interfaces: no local interface found for (\S+)/, scope: 'start', fields: ['address'] },
  { id: 'already-running', re: /fatal: the Postfix mail system is already running/, scope: 'start', fields: [] },
  { id: 'lost-after-connect', re: /lost connection after CONNECT from (\S+)/, scope: 'recent', fields: ['client'] },
  { id: 'connect-failed', re: /connect to (\S*?)\[([^\]]+)\]:(\d+): (Connection refused|Connection timed out|No route to host|Network is unreachable)/, scope: 'recent', fields: ['name', 'address', 'port', 'error'] },
  { id: 'main-cf-denied', re: /fatal: open (\S*main\.cf): Permission denied/, scope: 'recent', fields: ['path'] },
  // Postfix's own open-relay safety net: smtpd exits on every connection, clients get no banner.
  { id: 'relay-restrictions-fatal', re: /smtpd\[\d+\]: fatal: in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working instance of/, scope: 'recent', fields: [] },
];

const START_MARKER = /starting the Postfix mail system/;
export const RECENT_MS = 24 * 3600_000;

export function scanLogLines(lines: readonly string[], now: number): LogEvent[] {
  let lastStart = -1;
  lines.forEach((l, i) => {
    if (START_MARKER.test(l)) lastStart = i;
  });
  const out: LogEvent[] = [];
  lines.forEach((line, i) => {
    for (const p of PATTERNS) {
      const m = p.re.exec(line);
      if (!m) continue;
      const at = parseLogTime(line, now);
      if (p.scope === 'start' && lastStart >= 0 && i < lastStart) continue;
      if ((p.scope === 'recent' || lastStart < 0) && at !== null && now - at > RECENT_MS) continue;
      const detail: Record<string, string> = {};
      p.fields.forEach((f, k) => {
        const v = m[k + 1];
        if (v !== undefined) detail[f] = v;
      });
      out.push({ id: p.id, line, at, detail });
    }
  });
  return out;
}
