// When a process started, as Unix time: /proc/PID/stat's start time (clock ticks since boot) plus
// the boot time from /proc/stat. Lets a probe tell evidence about the running Postfix from
// evidence about an earlier one (an old AVC denial, an old log line).

import type { HostFs } from '../core/host-fs.js';

/** Linux reports process times in USER_HZ, which is 100 on every architecture Postfix runs on. */
const USER_HZ = 100;

export async function processStartEpoch(fs: HostFs, pid: number): Promise<number | null> {
  const [stat, procStat] = await Promise.all([fs.tryReadText(`/proc/${pid}/stat`).catch(() => null), fs.tryReadText('/proc/stat').catch(() => null)]);
  if (!stat || !procStat) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  const btime = Number(/^btime (\d+)$/m.exec(procStat)?.[1]);
  if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return null;
  return btime + ticks / USER_HZ;
}
