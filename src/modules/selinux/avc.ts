// Which ports SELinux refused to let Postfix bind: `name_bind` AVC denials by Postfix programs,
// from `ausearch -m AVC` (the audit log's own query tool). Parsing is pure.

import { auditField } from '../../facts/audit-field.js';

const POSTFIX_COMMS = new Set(['master', 'smtpd', 'postscreen', 'smtp', 'lmtp', 'qmgr', 'postfix']);

export interface NameBindDenial {
  comm: string;
  port: number;
  permissive: boolean;
}

export function parseNameBindDenials(text: string): NameBindDenial[] {
  const out: NameBindDenial[] = [];
  for (const line of text.split('\n')) {
    if (!/avc:\s+denied\s+\{[^}]*\bname_bind\b[^}]*\}/.test(line) || !/tclass=tcp_socket/.test(line)) continue;
    const comm = auditField(line, 'comm');
    const port = Number(auditField(line, 'src'));
    if (!comm || !POSTFIX_COMMS.has(comm) || !Number.isInteger(port) || port < 1 || port > 65535) continue;
    out.push({ comm, port, permissive: /\bpermissive=1\b/.test(line) });
  }
  return out;
}

export function deniedPorts(text: string): number[] {
  return [...new Set(parseNameBindDenials(text).map((d) => d.port))].sort((a, b) => a - b);
}
