// Deadlines for temporary changes (setenforce 0, a trial firewall rule): the undo must happen by
// the deadline even if postfix-fix is killed right after making the change. Under systemd a
// transient timer does it (`systemd-run --on-active`); elsewhere a detached watchdog process.
// Both run `postfix-fix rollback RUN --step SEQ`, which is a no-op if the step was undone already.

import { spawn } from 'node:child_process';
import type { Executor } from '../core/exec.js';
import { mustRun } from '../exec/command.js';

export interface GuardScheduler {
  schedule(runId: string, seq: number, deadline: Date): Promise<{ mechanism: string; handle: string }>;
  cancel(mechanism: string, handle: string): Promise<void>;
}

export interface GuardOptions {
  exec: Executor;
  serviceManager: string;
  stateDir: string;
  /** How to invoke this very program: [node, script] (or the installed binary). */
  self: string[];
}

export function guardUnitName(runId: string, seq: number): string {
  return `postfix-fix-guard-${runId.replace(/[^A-Za-z0-9-]/g, '')}-${seq}`;
}

export function createGuardScheduler(o: GuardOptions): GuardScheduler {
  return {
    async schedule(runId, seq, deadline) {
      const seconds = Math.max(1, Math.ceil((deadline.getTime() - Date.now()) / 1000));
      const rollbackArgv = [...o.self, 'rollback', runId, '--step', String(seq), '--state-dir', o.stateDir, '--guard'];
      if (o.serviceManager === 'systemd') {
        const unit = guardUnitName(runId, seq);
        await mustRun(o.exec, ['systemd-run', `--unit=${unit}`, `--on-active=${seconds}s`, '--timer-property=AccuracySec=1s', '--collect', '--', ...rollbackArgv], 'schedule the restore timer', { timeoutMs: 15_000 });
        return { mechanism: 'systemd-timer', handle: unit };
      }
      // Detached, in its own session, so it outlives us (and a SIGKILL of our process group).
      const child = spawn(o.self[0] as string, [...o.self.slice(1), '_guard', '--at', deadline.toISOString(), '--', ...rollbackArgv.slice(o.self.length)], { detached: true, stdio: 'ignore' });
      child.unref();
      if (!child.pid) throw new Error('could not start the watchdog process');
      return { mechanism: 'watchdog', handle: String(child.pid) };
    },
    async cancel(mechanism, handle) {
      if (mechanism === 'systemd-timer') {
        await o.exec.run(['systemctl', 'stop', `${handle}.timer`], { timeoutMs: 15_000 });
        return;
      }
      const pid = Number(handle);
      if (!Number.isInteger(pid) || pid <= 1) return;
      try {
        const { readFileSync } = await import('node:fs');
        // Only our own watchdog: a recycled pid must not be killed.
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('_guard')) process.kill(pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    },
  };
}
