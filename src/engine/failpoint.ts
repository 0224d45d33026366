// A test hook for crash tests, inert unless POSTFIX_FIX_FAILPOINT is set: "TYPE:SEQ" (or "TYPE")
// makes the process SIGKILL itself the moment that journal record is durable — so a test can stop
// a run at an exact step boundary and prove `rollback` recovers from there.
import type { JournalRecord } from './journal.js';

export function maybeCrashAfter(rec: JournalRecord, env: NodeJS.ProcessEnv = process.env): void {
  const fp = env.POSTFIX_FIX_FAILPOINT;
  if (!fp) return;
  const [type, seq] = fp.split(':');
  if (rec.type !== type) return;
  if (seq !== undefined && (!('seq' in rec) || String(rec.seq) !== seq)) return;
  process.kill(process.pid, 'SIGKILL');
}
