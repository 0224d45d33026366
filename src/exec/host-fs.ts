// The host's files, as modules and fact gatherers see them. In production `root` is `/`; the lab
// aims the same code at a namespace host through `/proc/PID/root`. Writes are atomic: temp file
// in the same directory, fsync, rename, fsync the directory — a crash leaves the old file or the
// new one, never a torn one.

import { randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { HostFs, HostStat, WriteOptions } from '../core/host-fs.js';

export function createHostFs(root = '/'): HostFs {
  const resolvePath = (p: string): string => (root === '/' ? p : join(root, p));

  const stat = async (p: string): Promise<HostStat | null> => {
    try {
      const s = await fsp.stat(resolvePath(p));
      return { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, isFile: s.isFile(), isDirectory: s.isDirectory(), dev: s.dev, ino: s.ino };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
      throw e;
    }
  };

  return {
    root,
    resolve: resolvePath,
    readText: (p) => fsp.readFile(resolvePath(p), 'utf8'),
    readBytes: (p) => fsp.readFile(resolvePath(p)),
    async tryReadText(p) {
      try {
        return await fsp.readFile(resolvePath(p), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    stat,
    readdir: (p) => fsp.readdir(resolvePath(p)),
    async writeAtomic(p, content, options = {}) {
      await writeFileAtomic(resolvePath(p), content, options);
    },
    chmod: (p, mode) => fsp.chmod(resolvePath(p), mode),
    chown: (p, uid, gid) => fsp.chown(resolvePath(p), uid, gid),
    unlink: (p) => fsp.unlink(resolvePath(p)),
    rename: (a, b) => fsp.rename(resolvePath(a), resolvePath(b)),
    mkdirp: async (p, mode) => {
      await fsp.mkdir(resolvePath(p), { recursive: true, ...(mode !== undefined ? { mode } : {}) });
    },
    exists: async (p) => (await stat(p)) !== null,
  };
}

const TEMP_NAME = /^\.(.+)\.postfix-fix-(\d+)-[0-9a-f]{8}\.tmp$/;

/**
 * A writer killed (SIGKILL, power loss) between creating its temp file and renaming it leaves the
 * temp behind; the target itself is intact. Remove such leftovers for `target` whose writer is
 * gone, so they do not pile up beside main.cf. A temp of a live process is left alone: it may be
 * mid-write (a recycled pid only delays the cleanup to a later write).
 */
export async function removeStaleTemps(target: string): Promise<string[]> {
  const dir = dirname(target);
  const base = basename(target);
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || m[1] !== base) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processExists(pid)) continue;
    await fsp.unlink(join(dir, name)).then(
      () => removed.push(name),
      () => undefined,
    );
  }
  return removed;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Atomic replace of a real path (also used for our own state files: journal index, plans, locks). */
export async function writeFileAtomic(target: string, content: string | Buffer, options: WriteOptions = {}): Promise<void> {
  const dir = dirname(target);
  await removeStaleTemps(target);
  const tmp = join(dir, `.${basename(target)}.postfix-fix-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  let existing: { mode: number; uid: number; gid: number } | null = null;
  try {
    const s = await fsp.stat(target);
    existing = { mode: s.mode & 0o7777, uid: s.uid, gid: s.gid };
  } catch {
    existing = null;
  }
  const mode = options.mode ?? existing?.mode ?? 0o644;
  const handle = await fsp.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    const uid = options.uid ?? existing?.uid;
    const gid = options.gid ?? existing?.gid;
    if (uid !== undefined && gid !== undefined && process.getuid?.() === 0) await fsp.chown(tmp, uid, gid);
    await fsp.chmod(tmp, mode);
    await fsp.rename(tmp, target);
  } catch (e) {
    await fsp.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dir);
}

export async function fsyncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, constants.O_RDONLY);
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
