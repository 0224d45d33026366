// Was a refused connection refused by a TCP reset or by an ICMP port-unreachable? Linux reports
// both as ECONNREFUSED, yet they mean different things: a reset comes from the TCP stack (nothing
// listens) or a `REJECT --reject-with tcp-reset`; an ICMP port-unreachable for TCP comes only from
// a firewall rule (iptables' default REJECT, fail2ban's ban actions). The kernel counts every
// ICMP destination-unreachable it receives (/proc/net/snmp, /proc/net/snmp6, per network
// namespace, readable by anyone): a dial that moved the counter was refused by ICMP.

import { readFileSync } from 'node:fs';

export interface IcmpCounter {
  /** ICMP (v4 or v6) destination-unreachable messages received so far; null where not countable. */
  read(family: 4 | 6): number | null;
}

/** `Icmp: … InDestUnreachs …` (the header line, then the values) of /proc/net/snmp. */
export function parseSnmp(text: string): number | null {
  const lines = text.split('\n').filter((l) => l.startsWith('Icmp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const i = names.indexOf('InDestUnreachs');
  const v = i > 0 ? Number(values[i]) : NaN;
  return Number.isFinite(v) ? v : null;
}

/** `Icmp6InDestUnreachs 3` of /proc/net/snmp6. */
export function parseSnmp6(text: string): number | null {
  const m = /^Icmp6InDestUnreachs\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : null;
}

export function procIcmpCounter(root = '/proc/net'): IcmpCounter {
  return {
    read(family) {
      try {
        return family === 4 ? parseSnmp(readFileSync(`${root}/snmp`, 'utf8')) : parseSnmp6(readFileSync(`${root}/snmp6`, 'utf8'));
      } catch {
        return null;
      }
    },
  };
}
