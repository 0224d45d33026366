import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from './flock.js';
import { LAB_CACHE_ROOT } from './paths.js';
import { runOk } from './run.js';

// A real exim4 that is never installed on the machine: Debian's packages unpacked with dpkg -x.
// The libraries after exim4-config are what a minimal (nspawn) rootfs lacks.
export const EXIM_PACKAGES = [
  'exim4-daemon-light', 'exim4-base', 'exim4-config', 'libidn12', 'libgnutls-dane0', 'libunbound8', 'libevent-2.1-7',
] as const;

const COMPLETE_MARKER = '.postfix-fix-lab-exim';

export function eximCacheDir(): string {
  const id = createHash('sha256').update(JSON.stringify(EXIM_PACKAGES)).digest('hex').slice(0, 10);
  return join(LAB_CACHE_ROOT, `exim-${id}`);
}

// The unpacked tree (usr/sbin/exim4, usr/lib/..., etc/exim4/...), to be copied over a host's root.
export function eximTree(): string {
  return join(eximCacheDir(), 'root');
}

export async function ensureEximCache(): Promise<string> {
  const dir = eximCacheDir();
  if (existsSync(join(dir, COMPLETE_MARKER))) return eximTree();
  return withFileLock(join(LAB_CACHE_ROOT, 'exim.lock'), 10 * 60_000, async () => {
    if (existsSync(join(dir, COMPLETE_MARKER))) return eximTree();
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'debs'), { recursive: true });
    try {
      // apt-get download fetches exactly these packages from the machine's configured mirror.
      await runOk(['apt-get', 'download', '-q', ...EXIM_PACKAGES], { cwd: join(tmp, 'debs'), timeoutMs: 5 * 60_000 });
      for (const deb of readdirSync(join(tmp, 'debs')).filter((f) => f.endsWith('.deb'))) {
        await runOk(['dpkg', '-x', join(tmp, 'debs', deb), join(tmp, 'root')], { timeoutMs: 60_000 });
      }
      if (!existsSync(join(tmp, 'root/usr/sbin/exim4'))) throw new Error('exim4 binary missing after dpkg -x');
      writeFileSync(join(tmp, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return eximTree();
  });
}
