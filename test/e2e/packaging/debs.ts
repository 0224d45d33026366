// Debian packages the packaging and Ansible tests need inside lab hosts, fetched once with
// `apt-get download` from the machine's configured mirror into the lab cache, never installed
// on the machine (like the lab's exim4, see lab/exim.ts):
//   - Debian 12's own Node.js (18.x) and what it depends on, for the systemd (nspawn) host,
//     whose bookworm rootfs has no nodejs: `dpkg -i` of postfix-fix then meets its real
//     `Depends: nodejs (>= 18.18)`, and the program runs on the oldest Node it claims.
//   - openssh-server, unpacked (`dpkg -x`) into namespace hosts so Ansible can reach them: the
//     machine's own sshd is never installed, configured or started.
// The container has no network: the .debs are written into it (Host.writeFile) and installed
// there with dpkg.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock } from '../lab/flock.js';
import type { Host } from '../lab/index.js';
import { LAB_CACHE_ROOT } from '../lab/paths.js';
import { run, runOk } from '../lab/run.js';

export interface DebSet {
  id: string;
  packages: readonly string[];
  /** Packages that must come in one version (nodejs and its libnode). */
  pinned?: readonly string[];
}

// nodejs Depends: libnode108 (= same version); libnode108 Depends: the libraries and node-*
// modules below, which the minbase rootfs lacks (libicu72, libssl3, zlib1g, libstdc++6 are there).
export const DEBIAN_NODEJS: DebSet = {
  id: 'debian-nodejs',
  packages: [
    'nodejs', 'libnode108', 'libc-ares2', 'libuv1', 'libnghttp2-14', 'libbrotli1',
    'node-acorn', 'node-xtend', 'node-cjs-module-lexer', 'node-undici', 'node-busboy',
  ],
  pinned: ['nodejs', 'libnode108'],
};

// sshd links libwrap.so.0, which the machine does not have.
export const OPENSSH_SERVER: DebSet = {
  id: 'openssh-server',
  packages: ['openssh-server', 'openssh-sftp-server', 'libwrap0'],
};

const COMPLETE_MARKER = '.postfix-fix-lab-debs';

function cacheDir(set: DebSet): string {
  const id = createHash('sha256').update(JSON.stringify(set)).digest('hex').slice(0, 10);
  return join(LAB_CACHE_ROOT, `${set.id}-${id}`);
}

async function madisonVersions(pkg: string): Promise<string[]> {
  const r = await run(['apt-cache', 'madison', pkg], { timeoutMs: 60_000 });
  return r.stdout
    .split('\n')
    .map((l) => l.split('|').map((s) => s.trim()))
    .filter((cols) => cols[0] === pkg && cols[1])
    .map((cols) => cols[1] as string);
}

/** The newest version every pinned package has in the configured repositories. */
async function commonVersion(pkgs: readonly string[]): Promise<string> {
  const lists = await Promise.all(pkgs.map(madisonVersions));
  const [first, ...rest] = lists;
  // madison lists the newest first.
  const v = (first ?? []).find((ver) => rest.every((l) => l.includes(ver)));
  if (!v) throw new Error(`no version of ${pkgs.join(' + ')} in the configured apt repositories (apt-get update?)`);
  return v;
}

/** The directory holding the set's .deb files, downloading them the first time. */
export async function ensureDebs(set: DebSet): Promise<string> {
  const dir = cacheDir(set);
  const debs = join(dir, 'debs');
  if (existsSync(join(dir, COMPLETE_MARKER))) return debs;
  mkdirSync(LAB_CACHE_ROOT, { recursive: true });
  return withFileLock(join(LAB_CACHE_ROOT, `${set.id}.lock`), 10 * 60_000, async () => {
    if (existsSync(join(dir, COMPLETE_MARKER))) return debs;
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'debs'), { recursive: true });
    try {
      const pinned = set.pinned ?? [];
      const version = pinned.length ? await commonVersion(pinned) : null;
      const specs = set.packages.map((p) => (version && pinned.includes(p) ? `${p}=${version}` : p));
      await runOk(['apt-get', 'download', '-q', ...specs], { cwd: join(tmp, 'debs'), timeoutMs: 5 * 60_000 });
      const got = readdirSync(join(tmp, 'debs')).filter((f) => f.endsWith('.deb'));
      if (got.length !== set.packages.length) throw new Error(`apt-get download: expected ${set.packages.length} packages, got ${got.join(' ')}`);
      writeFileSync(join(tmp, COMPLETE_MARKER), `${JSON.stringify({ set, version, at: new Date().toISOString() })}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return debs;
  });
}

/** The set unpacked with `dpkg -x` into one tree (usr/sbin/sshd, ...), to copy over a host's root. */
export async function ensureUnpacked(set: DebSet): Promise<string> {
  const debs = await ensureDebs(set);
  const tree = join(cacheDir(set), 'root');
  const marker = join(cacheDir(set), '.unpacked');
  if (existsSync(marker)) return tree;
  return withFileLock(join(LAB_CACHE_ROOT, `${set.id}.lock`), 10 * 60_000, async () => {
    if (existsSync(marker)) return tree;
    const tmp = `${tree}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      for (const deb of readdirSync(debs).filter((f) => f.endsWith('.deb')).sort()) await runOk(['dpkg', '-x', join(debs, deb), tmp], { timeoutMs: 60_000 });
      rmSync(tree, { recursive: true, force: true });
      renameSync(tmp, tree);
      writeFileSync(marker, `${new Date().toISOString()}\n`);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return tree;
  });
}

/** Copies the set's .debs into the host and installs them there with dpkg (no network needed). */
export async function installDebsIn(host: Host, set: DebSet): Promise<void> {
  const debs = await ensureDebs(set);
  const into = `/root/lab-debs-${set.id}`;
  await host.execOk(['mkdir', '-p', into]);
  const files = readdirSync(debs).filter((f) => f.endsWith('.deb')).sort();
  for (const f of files) await host.writeFile(`${into}/${f}`, readFileSync(join(debs, f)), 0o644);
  await host.execOk(['sh', '-c', 'dpkg -i "$1"/*.deb && rm -rf "$1"', 'sh', into], { timeoutMs: 180_000 });
}
