// The SELinux VM's base disk: the lab's cached bookworm rootfs (test/e2e/lab/rootfs.ts) plus the
// Debian cloud kernel, the reference policy, the SELinux tools and auditd, labelled offline with
// `setfiles` and packed with `mkfs.ext4 -d` (which copies the security.selinux xattrs).
// Built once per recipe into /var/cache/postfix-fix-lab/selinux-vm-<hash>/ (disk.img, vmlinuz,
// initrd.img, manifest.json): in a temp dir renamed when complete, under a lock, so an
// interrupted build or two runs racing never leave a half-built image in use.
//
// What changes on every run (the built CLI, node, the test script) is NOT in this image: it goes
// on a small second disk (payload.ts), so a rebuilt CLI never costs a ~10 min image rebuild and
// the image can never carry a stale CLI.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pruneCacheEntries, removeStaleBuilds } from '../../test/e2e/lab/cache-dir.js';
import { withFileLock } from '../../test/e2e/lab/flock.js';
import { LAB_CACHE_ROOT } from '../../test/e2e/lab/paths.js';
import { ensureRootfs, rootfsRecipeId } from '../../test/e2e/lab/rootfs.js';
import { runOk } from '../../test/e2e/lab/run.js';

const GUEST_DIR = join(dirname(fileURLToPath(import.meta.url)), 'guest');
const LAUNCHER = readFileSync(join(GUEST_DIR, 'launcher.sh'), 'utf8');
const PROBE_UNIT = readFileSync(join(GUEST_DIR, 'postfix-fix-selinux-probe.service'), 'utf8');

// Everything that shapes the image; its hash names the cache directory.
export const SELINUX_VM_RECIPE = {
  revision: 1,
  base: `rootfs-bookworm-${rootfsRecipeId()}`,
  packages: [
    'linux-image-cloud-amd64', 'initramfs-tools', 'zstd',
    'selinux-policy-default', 'selinux-utils', 'policycoreutils', 'policycoreutils-python-utils',
    'auditd', 'postfix',
  ],
  policy: 'default',
  // The mode the policy is loaded in at boot (the kernel's enforcing=0 agrees); the test itself
  // switches to enforcing with setenforce 1, as the recipe proved.
  configMode: 'permissive',
  hostname: 'lab-selinux',
  diskSize: '3G',
  diskLabel: 'pffselinux',
  launcher: sha(LAUNCHER),
  unit: sha(PROBE_UNIT),
} as const;

export interface SelinuxImage {
  dir: string;
  disk: string;
  kernel: string;
  initrd: string;
  manifest: Record<string, unknown>;
}

const COMPLETE_MARKER = 'manifest.json';
const BUILD_TIMEOUT_MS = 45 * 60_000;
const STEP_TIMEOUT_MS = 20 * 60_000;
const BUILD_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' };
const TIED = ['setpriv', '--pdeathsig', 'KILL'] as const;

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export function selinuxVmRecipeId(): string {
  return sha(JSON.stringify(SELINUX_VM_RECIPE)).slice(0, 10);
}

export function selinuxImagePath(): string {
  return join(LAB_CACHE_ROOT, `selinux-vm-${selinuxVmRecipeId()}`);
}

function imageAt(dir: string): SelinuxImage {
  return {
    dir,
    disk: join(dir, 'disk.img'),
    kernel: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.img'),
    manifest: JSON.parse(readFileSync(join(dir, COMPLETE_MARKER), 'utf8')) as Record<string, unknown>,
  };
}

export function selinuxImageReady(): boolean {
  return existsSync(join(selinuxImagePath(), COMPLETE_MARKER));
}

// Returns the cached image, building it first if needed (~10 min: packages from the Debian
// mirror inside systemd-nspawn, initramfs, labelling, mkfs).
export async function ensureSelinuxImage(log: (line: string) => void = () => undefined): Promise<SelinuxImage> {
  const final = selinuxImagePath();
  if (selinuxImageReady()) return imageAt(final);
  const rootfs = await ensureRootfs(log);
  return withFileLock(join(LAB_CACHE_ROOT, 'selinux-vm.lock'), BUILD_TIMEOUT_MS, async () => {
    if (selinuxImageReady()) return imageAt(final);
    removeStaleBuilds(final);
    const tmp = `${final}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true, mode: 0o755 });
    try {
      await buildImage(rootfs, tmp, log);
      rmSync(final, { recursive: true, force: true });
      renameSync(tmp, final);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return imageAt(final);
  });
}

// Removes images built from older recipes (~1 GB each on disk, sparse).
export async function pruneOldSelinuxImages(): Promise<string[]> {
  return pruneCacheEntries('selinux-vm.lock', 'selinux-vm-', selinuxImagePath().split('/').pop() ?? '', BUILD_TIMEOUT_MS);
}

// Package installs run in systemd-nspawn (as the recipe does): it shares the machine's network
// for the mirror, but has its own pid/mount/uts namespaces, and policy-rc.d keeps every
// maintainer script from starting a daemon (auditd must never talk to this machine's kernel).
async function inNspawn(root: string, script: string, timeoutMs = STEP_TIMEOUT_MS): Promise<string> {
  const r = await runOk(
    [
      ...TIED, 'systemd-nspawn', '-q', '--register=no', '--keep-unit', '--pipe',
      '-E', 'DEBIAN_FRONTEND=noninteractive', '-E', 'LANG=C.UTF-8',
      `--machine=pff-selinux-build-${process.pid}`, '-D', root, '--', '/bin/sh', '-ec', script,
    ],
    { timeoutMs, env: BUILD_ENV },
  );
  return r.stdout;
}

// A chroot in a private mount + pid namespace with only /proc mounted inside (libselinux sets
// labels through /proc/self/fd): setfiles then walks the image's own tree and nothing else.
const CHROOT_WITH_PROC = 'root=$1 && shift && mount -t proc proc "$root/proc" && exec chroot "$root" "$@"';

async function inBareChroot(root: string, argv: readonly string[], timeoutMs = STEP_TIMEOUT_MS): Promise<string> {
  const r = await runOk([...TIED, 'unshare', '--mount', '--pid', '--fork', '--kill-child', 'sh', '-c', CHROOT_WITH_PROC, 'sh', root, ...argv], { timeoutMs, env: BUILD_ENV });
  return r.stdout + r.stderr;
}

async function buildImage(baseRootfs: string, out: string, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const root = join(out, 'rootfs');
  log(`selinux-vm: copying ${baseRootfs}`);
  await runOk(['cp', '-a', baseRootfs, root], { timeoutMs: STEP_TIMEOUT_MS });
  rmSync(join(root, '.postfix-fix-lab-rootfs'), { force: true });

  const { packages, policy, configMode, hostname } = SELINUX_VM_RECIPE;
  writeFileSync(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  log(`selinux-vm: apt-get install ${packages.join(' ')} (systemd-nspawn, Debian mirror)`);
  await inNspawn(
    root,
    [
      'apt-get -q update',
      `apt-get install -y -q --no-install-recommends ${packages.join(' ')}`,
      // Offline enable (no systemd running): auditd writes /var/log/audit/audit.log at boot.
      'systemctl enable auditd.service postfix.service',
      'test "$(systemctl is-enabled auditd.service)" = enabled',
      'apt-get clean',
      'rm -rf /var/lib/apt/lists/*',
    ].join('\n'),
  );
  rmSync(join(root, 'usr/sbin/policy-rc.d'), { force: true });

  log('selinux-vm: configuring the guest');
  writeFileSync(join(root, 'etc/fstab'), '/dev/vda / ext4 rw,relatime 0 1\n');
  writeFileSync(join(root, 'etc/hostname'), `${hostname}\n`);
  const hosts = readFileSync(join(root, 'etc/hosts'), 'utf8').replace(/^127\.0\.1\.1\s.*$/m, (l) => `${l} ${hostname}`);
  writeFileSync(join(root, 'etc/hosts'), hosts);
  writeFileSync(join(root, 'etc/selinux/config'), `SELINUX=${configMode}\nSELINUXTYPE=${policy}\n`);
  // The serial line is the test's output channel: no login prompt on it.
  symlinkSync('/dev/null', join(root, 'etc/systemd/system/serial-getty@ttyS0.service'));
  writeFileSync(join(root, 'usr/local/sbin/postfix-fix-selinux-probe'), LAUNCHER, { mode: 0o755 });
  writeFileSync(join(root, 'etc/systemd/system/postfix-fix-selinux-probe.service'), PROBE_UNIT, { mode: 0o644 });
  mkdirSync(join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  symlinkSync('/etc/systemd/system/postfix-fix-selinux-probe.service', join(root, 'etc/systemd/system/multi-user.target.wants/postfix-fix-selinux-probe.service'));
  mkdirSync(join(root, 'opt/postfix-fix'), { recursive: true });
  for (const path of ['usr/sbin/auditd', 'usr/sbin/ausearch', 'usr/sbin/semanage', 'usr/sbin/setenforce', 'usr/sbin/getenforce', 'usr/sbin/setfiles', `etc/selinux/${policy}/policy`]) {
    if (!existsSync(join(root, path))) throw new Error(`selinux-vm: the image is missing /${path}`);
  }

  log('selinux-vm: labelling the tree offline (setfiles)');
  const fc = `/etc/selinux/${policy}/contexts/files/file_contexts`;
  await inBareChroot(root, ['/sbin/setfiles', '-F', '-e', '/proc', fc, '/']);

  const boot = readdirSync(join(root, 'boot'));
  const vmlinuz = boot.find((f) => f.startsWith('vmlinuz-'));
  const initrd = boot.find((f) => f.startsWith('initrd.img-'));
  if (!vmlinuz || !initrd) throw new Error(`selinux-vm: no kernel/initrd in /boot (${boot.join(', ')})`);
  copyFileSync(join(root, 'boot', vmlinuz), join(out, 'vmlinuz'));
  copyFileSync(join(root, 'boot', initrd), join(out, 'initrd.img'));

  log('selinux-vm: mkfs.ext4 -d (copies the labels)');
  const disk = join(out, 'disk.img');
  await runOk(['mkfs.ext4', '-q', '-F', '-L', SELINUX_VM_RECIPE.diskLabel, '-d', root, disk, SELINUX_VM_RECIPE.diskSize], { timeoutMs: STEP_TIMEOUT_MS });
  // Proof that the labels made it into the image, read back from the ext4 image itself.
  const labels: Record<string, string> = {};
  for (const path of ['/usr/lib/postfix/sbin/master', '/etc/postfix/main.cf', '/usr/sbin/semanage', '/var/log/audit']) {
    const r = await runOk(['debugfs', '-R', `ea_get ${path} security.selinux`, disk], { timeoutMs: 60_000 });
    // debugfs prints: security.selinux (43) = "system_u:object_r:postfix_master_exec_t:s0\000"
    const label = /"([^"\\]+)/.exec(r.stdout)?.[1] ?? '';
    if (!/_t:s0/.test(label)) throw new Error(`selinux-vm: ${path} has no SELinux label in the image (${label || r.stderr.trim()})`);
    labels[path] = label;
  }
  const versions = await inBareChroot(root, ['dpkg-query', '-W', '-f', '${Package} ${Version}\n', ...packages.filter((p) => p !== 'zstd'), 'linux-image-[0-9]*']);
  rmSync(root, { recursive: true, force: true });

  const manifest = {
    recipe: SELINUX_VM_RECIPE,
    builtAt: new Date().toISOString(),
    buildSeconds: Math.round((Date.now() - started) / 1000),
    kernel: vmlinuz,
    packages: versions.trim().split('\n').filter((l) => !/\s$/.test(l)),
    labels,
  };
  writeFileSync(join(out, COMPLETE_MARKER), `${JSON.stringify(manifest, null, 2)}\n`);
  log(`selinux-vm: image ready in ${manifest.buildSeconds} s`);
}
