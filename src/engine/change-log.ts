// One line per change in the system log (syslog, or journald on systemd hosts), so the change
// shows up where auditors already look: `journalctl -t postfix-fix`, /var/log/auth.log.
// Best effort: a host without a log daemon still gets the journal and the run report.

import type { Executor } from '../core/exec.js';
import { Redactor } from '../core/redact.js';

export interface ChangeLog {
  record(message: string): Promise<void>;
}

export function createSyslogChangeLog(exec: Executor, runId: string): ChangeLog {
  const available = exec.has('logger');
  // The system log is world-readable on many hosts: a summary never carries a secret there.
  const redact = new Redactor();
  return {
    async record(message) {
      if (!available) return;
      // authpriv: changes made as root belong with the other privileged actions.
      await exec.run(['logger', '-t', 'postfix-fix', '-p', 'authpriv.notice', '--', redact.text(`run ${runId}: ${message}`)], { timeoutMs: 3_000 });
    },
  };
}

export const NO_CHANGE_LOG: ChangeLog = { record: async () => undefined };
