// An sshd inside a namespace lab host, listening only on the host's own address, so that
// Ansible on another lab host can manage it over a veth link. Debian's openssh-server is
// unpacked into the host (test/e2e/packaging/debs.ts); the machine's own sshd is never
// installed, configured or started. Host keys and authorized_keys exist only inside the host.

import { copyTreeIn } from '../lab/copy-in.js';
import { startDaemon } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { pollUntil } from '../lab/wait.js';
import { OPENSSH_SERVER, ensureUnpacked } from '../packaging/debs.js';

const CONFIG = '/etc/ssh/sshd_config.lab';
const HOST_KEY = '/etc/ssh/ssh_host_ed25519_key';

export interface Sshd {
  address: string;
  pid: number;
  /** `ssh-ed25519 AAAA…`, for the control host's known_hosts. */
  hostKey: string;
}

function sshdConfig(address: string): string {
  return [
    `ListenAddress ${address}:22`,
    `HostKey ${HOST_KEY}`,
    'PidFile /run/sshd.pid',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'UseDNS no',
    'MaxStartups 50:30:100',
    'Subsystem sftp /usr/lib/openssh/sftp-server',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

// Fixed script; the public key arrives on stdin. root gets an empty home of its own (a tmpfs in
// the host's mount namespace): the machine's dotfiles (shell init, ssh config) stay out of the
// sessions Ansible opens.
const SETUP = [
  'set -e',
  'mountpoint -q /root || mount -t tmpfs -o mode=0700 lab-root /root',
  'getent passwd sshd >/dev/null || useradd --system -d /run/sshd -s /usr/sbin/nologin sshd',
  'install -d -m 0755 /run/sshd',
  `rm -f ${HOST_KEY} ${HOST_KEY}.pub`,
  `ssh-keygen -q -t ed25519 -N '' -C "$(hostname)" -f ${HOST_KEY}`,
  'install -d -m 0700 /root/.ssh',
  'cat > /root/.ssh/authorized_keys',
  'chmod 0600 /root/.ssh/authorized_keys',
].join('\n');

export async function startSshd(host: Host, address: string, authorizedKey: string): Promise<Sshd> {
  const tree = await ensureUnpacked(OPENSSH_SERVER);
  await copyTreeIn(host, tree, '/');
  await host.execOk(['sh', '-c', SETUP], { input: `${authorizedKey.trim()}\n` });
  await host.writeFile(CONFIG, sshdConfig(address), 0o644);
  await host.execOk(['/usr/sbin/sshd', '-t', '-f', CONFIG]);
  const pid = await startDaemon(host, ['/usr/sbin/sshd', '-D', '-e', '-f', CONFIG], '/var/log/sshd.log');
  await pollUntil(
    async () => {
      const r = await host.exec(['ss', '-Hltn', `src ${address}:22`]);
      return r.stdout.includes(`${address}:22`) ? true : undefined;
    },
    { timeoutMs: 10_000, intervalMs: 50, what: `${host.name}: sshd listening on ${address}:22` },
  );
  const pub = (await host.readFile(`${HOST_KEY}.pub`)).trim().split(/\s+/);
  return { address, pid, hostKey: `${pub[0]} ${pub[1]}` };
}
