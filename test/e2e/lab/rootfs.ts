import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pruneCacheEntries, removeStaleBuilds } from './cache-dir.js';
import { withFileLock } from './flock.js';
import { debianMirror } from './mirror.js';
import { LAB_CACHE_ROOT } from './paths.js';
import { runOk } from './run.js';

// Everything that shapes the rootfs. Its hash names the cache directory, so changing the
// recipe builds a new rootfs instead of silently reusing an old one.
export const ROOTFS_RECIPE = {
  revision: 3,
  suite: 'bookworm',
  variant: 'minbase',
  // libpam-systemd: firewalld -> polkitd needs a logind, and debootstrap does not resolve it.
  // libstdc++6: the machine's node binary, bound into containers by cli.ts, links against it.
  // opendkim, postgrey: the milter and the policy service smtpd depends on (faults/dependencies.ts).
  // perl-openssl-defaults provides the virtual perl-openssl-abi-3 that postgrey's
  // libnet-ssleay-perl needs; debootstrap does not resolve virtual packages.
  include: [
    'systemd', 'systemd-sysv', 'libpam-systemd', 'dbus', 'iproute2', 'procps', 'python3', 'postfix', 'ufw',
    'firewalld', 'iptables', 'nftables', 'netcat-openbsd', 'libstdc++6', 'opendkim', 'postgrey',
    'perl-openssl-defaults',
  ],
  // Units Debian's packages enable on install that a lab host must not start at boot: hosts
  // boot with only Postfix listening; tests start these when they need them.
  disabledUnits: ['firewalld.service', 'opendkim.service', 'postgrey.service'],
  // Debian's opendkim.conf listens on a unix socket under /run, outside Postfix's chroot; its
  // README.Debian offers TCP on localhost instead, which is what Postfix sites commonly use.
  opendkimSocket: 'inet:8891@localhost',
  hostname: 'lab-nspawn',
  mailname: 'lab-nspawn.lab.test',
} as const;

const COMPLETE_MARKER = '.postfix-fix-lab-rootfs';
const BUILD_TIMEOUT_MS = 20 * 60_000;
const STEP_TIMEOUT_MS = 15 * 60_000;

export function rootfsRecipeId(): string {
  return createHash('sha256').update(JSON.stringify(ROOTFS_RECIPE)).digest('hex').slice(0, 10);
}

export function rootfsPath(): string {
  return join(LAB_CACHE_ROOT, `rootfs-${ROOTFS_RECIPE.suite}-${rootfsRecipeId()}`);
}

export function rootfsReady(): boolean {
  return existsSync(join(rootfsPath(), COMPLETE_MARKER));
}

// Returns the path of a bookworm rootfs with systemd and Postfix, building it (~2 min) the
// first time. Built into a temp dir and renamed when complete, under a lock, so neither an
// interrupted build nor two test processes racing can leave a half-built tree in use.
export async function ensureRootfs(log: (line: string) => void = () => undefined): Promise<string> {
  const final = rootfsPath();
  if (rootfsReady()) return final;
  return withFileLock(join(LAB_CACHE_ROOT, 'rootfs.lock'), BUILD_TIMEOUT_MS, async () => {
    if (rootfsReady()) return final;
    removeStaleBuilds(final);
    const tmp = `${final}.tmp-${process.pid}`;
    mkdirSync(tmp, { recursive: true, mode: 0o755 });
    try {
      await buildRootfs(tmp, log);
      writeFileSync(join(tmp, COMPLETE_MARKER), `${JSON.stringify({ recipe: ROOTFS_RECIPE, builtAt: new Date().toISOString() })}\n`);
      rmSync(final, { recursive: true, force: true });
      renameSync(tmp, final);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    return final;
  });
}

// Removes rootfs trees built from older recipes (prebuild calls this; ~320 MB each).
export async function pruneOldRootfs(): Promise<string[]> {
  return pruneCacheEntries('rootfs.lock', `rootfs-${ROOTFS_RECIPE.suite}-`, rootfsPath().split('/').pop() ?? '', BUILD_TIMEOUT_MS);
}

// setpriv ties each step to this process; a private pid namespace takes debootstrap's
// helpers down with it, and a private mount namespace keeps its /proc mounts off the machine.
const TIED = ['setpriv', '--pdeathsig', 'KILL'] as const;
const PRIVATE_MOUNTS_PIDS = ['unshare', '--mount', '--pid', '--fork', '--kill-child', '--mount-proc'] as const;
// Package scripts run with no network at all: nothing they start can bind the machine's ports.
const ISOLATED = ['unshare', '--mount', '--net', '--pid', '--uts', '--ipc', '--fork', '--kill-child', '--mount-proc'] as const;
// Constant script; the rootfs path and command arrive as positional parameters.
const IN_CHROOT = 'hostname "$1" && ip link set lo up && root=$2 && shift 2 && exec chroot "$root" "$@"';

async function inIsolatedChroot(root: string, argv: readonly string[], timeoutMs = STEP_TIMEOUT_MS): Promise<void> {
  await runOk([...TIED, ...ISOLATED, 'sh', '-c', IN_CHROOT, 'sh', ROOTFS_RECIPE.hostname, root, ...argv], {
    timeoutMs,
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8', DEBIAN_FRONTEND: 'noninteractive' },
  });
}

async function buildRootfs(root: string, log: (line: string) => void): Promise<void> {
  const mirror = debianMirror();
  log(`debootstrap stage 1 (download) from ${mirror} into ${root}`);
  // --foreign: download and unpack only, so that stage 2 (package scripts) can run offline.
  await runOk(
    [
      ...TIED, ...PRIVATE_MOUNTS_PIDS, 'debootstrap', '--foreign', `--variant=${ROOTFS_RECIPE.variant}`,
      `--include=${ROOTFS_RECIPE.include.join(',')}`, ROOTFS_RECIPE.suite, root, mirror,
    ],
    { timeoutMs: STEP_TIMEOUT_MS, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/root', LANG: 'C.UTF-8' } },
  );

  preseedPostfix(root);
  // Belt and braces: invoke-rc.d must not start anything during stage 2.
  writeFileSync(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  writeFileSync(join(root, 'etc/hostname'), `${ROOTFS_RECIPE.hostname}\n`);
  writeFileSync(
    join(root, 'etc/hosts'),
    `127.0.0.1\tlocalhost\n127.0.1.1\t${ROOTFS_RECIPE.mailname} ${ROOTFS_RECIPE.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`,
  );

  log('debootstrap stage 2 (configure, offline)');
  await inIsolatedChroot(root, ['/debootstrap/debootstrap', '--second-stage']);

  log('post-install');
  // Debian's firewalld, opendkim and postgrey enable themselves on install; lab hosts must boot
  // "open", with nothing but Postfix listening.
  await inIsolatedChroot(root, ['systemctl', 'disable', ...ROOTFS_RECIPE.disabledUnits], 60_000);
  setOpendkimSocket(root);
  // postinst derives mydestination from name lookups that see a half-built system (it wrote
  // "..., localhost.lab.test, , localhost"); give it the shape a fresh install has.
  const { hostname, mailname } = ROOTFS_RECIPE;
  await inIsolatedChroot(
    root,
    ['postconf', '-e', `mydestination=$myhostname, ${mailname}, ${hostname}, localhost.localdomain, localhost`],
    60_000,
  );
  // Postfix pauses 2-3 s at start when main.cf changed within the last ~2 s.
  await inIsolatedChroot(root, ['touch', '-d', '-1 min', '/etc/postfix/main.cf'], 60_000);
  rmSync(join(root, 'usr/sbin/policy-rc.d'), { force: true });
  for (const deb of readdirSync(join(root, 'var/cache/apt/archives'))) {
    if (deb.endsWith('.deb')) rmSync(join(root, 'var/cache/apt/archives', deb));
  }
  await verifyRootfs(root);
}

// One line of Debian's /etc/opendkim.conf changes (Socket); the rest stays as the package ships it.
function setOpendkimSocket(root: string): void {
  const path = join(root, 'etc/opendkim.conf');
  const text = readFileSync(path, 'utf8');
  const socketLine = /^Socket\s.*$/m;
  if (!socketLine.test(text)) throw new Error('/etc/opendkim.conf has no Socket line');
  writeFileSync(path, text.replace(socketLine, `Socket\t\t\t${ROOTFS_RECIPE.opendkimSocket}`));
}

// debconf's file database, written before stage 2 configures postfix: the same effect as
// debconf-set-selections, which cannot run before debconf itself is configured.
function preseedPostfix(root: string): void {
  const entries = [
    ['postfix/main_mailer_type', 'Internet Site'],
    ['postfix/mailname', ROOTFS_RECIPE.mailname],
  ];
  const text = entries
    .map(([name, value]) => `Name: ${name}\nTemplate: ${name}\nValue: ${value}\nOwners: postfix\nFlags: seen\n`)
    .join('\n');
  mkdirSync(join(root, 'var/cache/debconf'), { recursive: true });
  writeFileSync(join(root, 'var/cache/debconf/config.dat'), `${text}\n`);
}

async function verifyRootfs(root: string): Promise<void> {
  const binaries = ['usr/sbin/postfix', 'usr/bin/python3', 'lib/systemd/systemd', 'usr/sbin/ufw', 'usr/sbin/firewalld', 'usr/sbin/opendkim', 'usr/sbin/postgrey'];
  for (const path of binaries) {
    if (!existsSync(join(root, path))) throw new Error(`rootfs is missing /${path}`);
  }
  for (const unit of ROOTFS_RECIPE.disabledUnits) {
    if (existsSync(join(root, 'etc/systemd/system/multi-user.target.wants', unit))) {
      throw new Error(`${unit} is still enabled in the rootfs`);
    }
  }
  if (!readFileSync(join(root, 'etc/opendkim.conf'), 'utf8').includes(ROOTFS_RECIPE.opendkimSocket)) {
    throw new Error('/etc/opendkim.conf does not name the lab socket');
  }
  await runOk(['postconf', '-c', join(root, 'etc/postfix'), '-h', 'myhostname'], { timeoutMs: 10_000 });
}
