// A system log for a namespace host (syslog.py on the host's own /dev/log), so tests can read
// what postfix-fix sends to syslog through logger(1) — the real program, the real socket. A
// systemd host has journald instead: read it with journalctl there.
import { readFileSync } from 'node:fs';
import { startDaemon } from './daemon.js';
import type { Host } from './host-types.js';
import { LAB_DIR, PYTHON } from './paths.js';
import { pollUntil } from './wait.js';

export interface SyslogMessage {
  at: number;
  /** As received: `<PRI>TIMESTAMP TAG: MESSAGE`. */
  raw: string;
  /** Facility × 8 + severity, from `<PRI>`. */
  pri: number;
  tag: string | null;
  message: string;
}

export interface SyslogListener {
  messages(): Promise<SyslogMessage[]>;
}

export async function startSyslogListener(host: Host): Promise<SyslogListener> {
  if (host.kind !== 'namespace') throw new Error(`${host.name}: a systemd host has journald; read journalctl`);
  const script = '/root/lab-syslog.py';
  const log = '/root/lab-syslog.jsonl';
  const ready = '/root/lab-syslog.ready';
  await host.writeFile(script, readFileSync(`${LAB_DIR}/syslog.py`), 0o755);
  await host.execOk(['touch', log]);
  await startDaemon(host, [PYTHON, script, log, ready], '/root/lab-syslog.err');
  await pollUntil(async () => ((await host.exec(['test', '-S', '/dev/log'])).code === 0 && (await host.exec(['test', '-s', ready])).code === 0 ? true : undefined), { timeoutMs: 15_000, what: `${host.name}: /dev/log` });
  return {
    messages: async () =>
      (await host.readFile(log))
        .split('\n')
        .filter(Boolean)
        .map((l) => parse(JSON.parse(l) as { at: number; raw: string })),
  };
}

function parse(m: { at: number; raw: string }): SyslogMessage {
  // RFC 3164 as logger(1) writes to a local socket: <PRI>Mmm dd hh:mm:ss TAG: MESSAGE
  // (RFC 5424 if asked: <PRI>1 TIMESTAMP HOST TAG PID MSGID SD MESSAGE).
  const r3164 = /^<(\d+)>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d (?:[^\s:]+ )?([^:[\s]+)(?:\[\d+\])?: ([\s\S]*)$/.exec(m.raw);
  if (r3164) return { ...m, pri: Number(r3164[1]), tag: r3164[2] as string, message: (r3164[3] as string).replace(/\n$/, '') };
  const r5424 = /^<(\d+)>1 \S+ \S+ (\S+) \S+ \S+ (?:-|\[.*?\]) ?([\s\S]*)$/.exec(m.raw);
  if (r5424) return { ...m, pri: Number(r5424[1]), tag: r5424[2] as string, message: (r5424[3] as string).replace(/\n$/, '') };
  return { ...m, pri: Number(/^<(\d+)>/.exec(m.raw)?.[1] ?? -1), tag: null, message: m.raw };
}
