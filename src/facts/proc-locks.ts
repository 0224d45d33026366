// /proc/locks → lock records. A line is `1: FLOCK  ADVISORY  WRITE 111 00:2a:20 0 EOF`: kind,
// mode, access, pid, then MAJ:MIN:INODE with major and minor in hex and the inode in decimal.
// Lines with `->` are waiters blocked on the lock above them, not holders.

export interface LockRecord {
  kind: string; // FLOCK, POSIX, OFDLCK, LEASE, DELEG
  access: string; // READ, WRITE
  /** 0 when the holder is not visible from this pid namespace (or is gone). */
  pid: number;
  major: number;
  minor: number;
  inode: number;
}

export function parseProcLocks(text: string): LockRecord[] {
  const out: LockRecord[] = [];
  for (const line of text.split('\n')) {
    if (line.includes('->')) continue;
    const m = /^\d+:\s+(\S+)\s+\S+\s+(\S+)\s+(-?\d+)\s+([0-9a-fA-F]+):([0-9a-fA-F]+):(\d+)\s/.exec(line);
    if (!m) continue;
    out.push({
      kind: m[1] as string,
      access: m[2] as string,
      pid: Math.max(0, Number(m[3])),
      major: parseInt(m[4] as string, 16),
      minor: parseInt(m[5] as string, 16),
      inode: Number(m[6]),
    });
  }
  return out;
}

/** Linux's dev_t split the way the kernel prints it in /proc/locks (new_encode_dev). */
export function splitDev(dev: number): { major: number; minor: number } {
  return { major: Math.floor(dev / 256) & 0xfff, minor: (dev & 0xff) | (Math.floor(dev / 4096) & 0xfff00) };
}

/**
 * The locks on one file. /proc/locks names the inode of the filesystem that holds the data: on
 * overlayfs that is the upper layer's device, not the overlay's `st_dev` that stat() returns (seen
 * for real: locks said 00:2a, stat said 0x2b). So an exact device match wins, and when no record
 * matches the device, the inode number alone decides.
 */
export function locksOnFile(locks: readonly LockRecord[], file: { dev: number | null; ino: number }): LockRecord[] {
  const sameInode = locks.filter((l) => l.inode === file.ino);
  if (file.dev === null) return sameInode;
  const { major, minor } = splitDev(file.dev);
  const exact = sameInode.filter((l) => l.major === major && l.minor === minor);
  return exact.length > 0 ? exact : sameInode;
}
