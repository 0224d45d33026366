import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  // Clock ticks since boot: together with the pid it names one process, even after pid reuse.
  startTime: number;
}

// A pid plus its start time, so a recorded process is never confused with a later one.
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

export function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: split after the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const fields = text.slice(close + 2).split(' ');
  const state = fields[0];
  const ppid = Number(fields[1]);
  const startTime = Number(fields[19]);
  if (state === undefined || Number.isNaN(ppid) || Number.isNaN(startTime)) return undefined;
  return { pid, comm: text.slice(open + 1, close), state, ppid, startTime };
}

export function identityOf(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

// Zombies count as gone: a namespace's PID 1 and its parents reap lazily, and a zombie holds
// no namespace, mount or socket any more.
export function isAlive(id: ProcessIdentity): boolean {
  const stat = readStat(id.pid);
  if (!stat || stat.startTime !== id.startTime) return false;
  return stat.state !== 'Z' && stat.state !== 'X';
}

export async function waitGone(id: ProcessIdentity, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(id)) {
    if (Date.now() > deadline) return false;
    await sleep(10);
  }
  return true;
}

export function killIdentity(id: ProcessIdentity, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (!isAlive(id)) return;
  try {
    process.kill(id.pid, signal);
  } catch {
    // raced with its exit
  }
}

export function childrenOf(pid: number): number[] {
  const result: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return result;
  }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) result.push(...text.split(/\s+/).map(Number));
    } catch {
      // task exited meanwhile
    }
  }
  return result;
}

export function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s) => s.length > 0);
  } catch {
    return [];
  }
}

export function allPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number);
}

// The namespace a process is in, e.g. nsOf(pid, 'net') -> 'net:[4026531840]'.
export function nsOf(pid: number | 'self', ns: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    return undefined;
  }
}
