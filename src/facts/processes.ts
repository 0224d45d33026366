// The host's processes from /proc (through HostFs, so the lab sees the namespace host's pid
// namespace): pid and command name for all, the rest read only for the few we care about.

import type { HostFs } from '../core/host-fs.js';

export interface ProcessInfo {
  pid: number;
  comm: string;
}

export async function scanProcesses(fs: HostFs): Promise<ProcessInfo[]> {
  const names = await fs.readdir('/proc');
  const pids = names.filter((n) => /^\d+$/.test(n)).map(Number);
  const out = await Promise.all(
    pids.map(async (pid) => {
      const comm = await readComm(fs, pid);
      return comm === null ? null : { pid, comm };
    }),
  );
  return out.filter((p): p is ProcessInfo => p !== null).sort((a, b) => a.pid - b.pid);
}

/** null when the process is gone (it raced us) or unreadable. */
export async function readComm(fs: HostFs, pid: number): Promise<string | null> {
  try {
    const text = await fs.tryReadText(`/proc/${pid}/comm`);
    return text === null ? null : text.trim();
  } catch {
    return null;
  }
}

/** argv joined by spaces, as ps shows it; null when gone or a kernel thread. */
export async function readCmdline(fs: HostFs, pid: number): Promise<string | null> {
  try {
    const text = await fs.tryReadText(`/proc/${pid}/cmdline`);
    if (text === null || text === '') return null;
    return text.replace(/\0+$/, '').split('\0').join(' ');
  } catch {
    return null;
  }
}

/** The parent pid from /proc/PID/stat (the field after the parenthesised comm). */
export function parseStatPpid(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) return null;
  const fields = stat.slice(close + 2).split(' ');
  const ppid = Number(fields[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

export async function readPpid(fs: HostFs, pid: number): Promise<number | null> {
  try {
    const text = await fs.tryReadText(`/proc/${pid}/stat`);
    return text === null ? null : parseStatPpid(text);
  } catch {
    return null;
  }
}

/** The systemd unit a process runs in, from /proc/PID/cgroup (`0::/system.slice/exim4.service`). */
export function unitFromCgroup(text: string): string | null {
  for (const line of text.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    const units = path.split('/').filter((seg) => /\.(service|scope)$/.test(seg));
    const last = units[units.length - 1];
    if (last) return last;
  }
  return null;
}
