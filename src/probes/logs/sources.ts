// Where this host keeps Postfix's log: the profile's files (/var/log/mail.log, /var/log/maillog),
// Postfix's own maillog_file (hosts without syslog), and the journal under systemd. Only the tail
// of each is read (`tail -n`), so a 2 GB mail.log costs what a small one does.

import { runProbeCommand } from '../budget.js';
import type { ProbeContext } from '../types.js';

export interface LogTail {
  source: string;
  lines: string[];
}

const TAIL_COUNT = 500;
const TAIL_LINES = String(TAIL_COUNT);
const SMALL_LOG_BYTES = 256 * 1024;

export async function readLogTails(ctx: ProbeContext, extraFiles: readonly string[] = []): Promise<{ tails: LogTail[]; problems: string[] }> {
  const { facts, profile } = ctx;
  const maillog = facts.postfix.params.maillog_file ?? '';
  const files = [...new Set([...profile.paths.mailLogs, ...(maillog.startsWith('/') && !maillog.startsWith('/dev/') ? [maillog] : []), ...extraFiles])];
  const problems: string[] = [];
  const reads = files.map(async (path): Promise<LogTail | null> => {
    const st = await ctx.fs.stat(path).catch(() => null);
    if (!st || !st.isFile) return null;
    // A small log is cheaper to read than to spawn tail for; a big one is only ever tailed.
    if (st.size <= SMALL_LOG_BYTES) {
      const text = await ctx.fs.tryReadText(path).catch(() => null);
      if (text !== null) return { source: path, lines: text.split('\n').filter((l) => l !== '').slice(-TAIL_COUNT) };
    }
    const r = await runProbeCommand(ctx, ['tail', '-n', TAIL_LINES, '--', path], 1_500);
    if (r.exitCode !== 0) {
      problems.push(`${path}: ${r.timedOut ? 'timed out' : r.stderr.trim() || `tail exited ${r.exitCode}`}`);
      return null;
    }
    return { source: path, lines: r.stdout.split('\n').filter((l) => l !== '') };
  });
  if (facts.init.manager === 'systemd' && ctx.exec.has('journalctl')) {
    reads.push(
      (async (): Promise<LogTail | null> => {
        const units = profile.services.postfix.flatMap((u) => ['-u', u]);
        const r = await runProbeCommand(ctx, ['journalctl', '--no-pager', '-q', '-o', 'short-iso', '-n', TAIL_LINES, ...units], 2_000);
        if (r.exitCode !== 0) {
          problems.push(`journal: ${r.timedOut ? 'timed out' : r.stderr.trim() || `journalctl exited ${r.exitCode}`}`);
          return null;
        }
        const lines = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('-- '));
        return lines.length > 0 ? { source: `journal (${profile.services.postfix.join(', ')})`, lines } : null;
      })(),
    );
  }
  const tails = (await Promise.all(reads)).filter((t): t is LogTail => t !== null);
  return { tails, problems };
}
