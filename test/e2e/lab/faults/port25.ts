import { copyTreeIn } from '../copy-in.js';
import { startDaemon } from '../daemon.js';
import { ensureEximCache } from '../exim.js';
import type { ExecResult, Host } from '../host-types.js';
import { listeners } from '../listeners.js';
import { postfixStart, postfixStop } from '../postfix-control.js';
import { pollUntil } from '../wait.js';

export interface PortHeldFault {
  kind: 'port25-held';
  holder: 'exim4' | 'listener';
  // The holder's pid as the host sees it.
  pid: number;
  // What the attempt to start Postfix afterwards said (it fails: address already in use).
  postfixStart: ExecResult;
}

const EXIM_PID_FILE = '/run/exim4/exim.pid';

// A small exim4 configuration: listen on 25, refuse every recipient. Enough to be the MTA that
// owns the port, without the Debian split-config machinery.
function eximConfig(primaryHostname: string): string {
  return [
    `primary_hostname = ${primaryHostname}`,
    'daemon_smtp_ports = 25',
    'spool_directory = /var/spool/exim4',
    'log_file_path = /var/log/exim4/%slog',
    `pid_file_path = ${EXIM_PID_FILE}`,
    'acl_smtp_rcpt = acl_check_rcpt',
    'begin acl',
    'acl_check_rcpt:',
    '  deny',
    '',
  ].join('\n');
}

// Fixed script: creates the exim system user the way Debian's package does, if missing.
const ADD_EXIM_USER = [
  'getent group Debian-exim >/dev/null || groupadd --system Debian-exim',
  'getent passwd Debian-exim >/dev/null || useradd --system -g Debian-exim -d /var/spool/exim4 -s /usr/sbin/nologin Debian-exim',
  'install -d -o Debian-exim -g Debian-exim -m 0750 /var/spool/exim4 /var/log/exim4 /run/exim4',
].join(' && ');

// A real exim4 (Debian's binaries, unpacked onto the host) listening on :25, started as a
// plain daemon; then Postfix is started and fails with "bind 0.0.0.0 port 25: Address already
// in use", as on a server where both MTAs ended up running.
export async function injectEximHolds25(host: Host): Promise<PortHeldFault> {
  const tree = await ensureEximCache();
  await postfixStop(host);
  await copyTreeIn(host, tree, '/');
  await host.execOk(['sh', '-c', ADD_EXIM_USER]);
  const hostname = (await host.execOk(['hostname'])).stdout.trim();
  await host.writeFile('/etc/exim4/exim4.conf', eximConfig(`${hostname}.exim.test`), 0o644);
  await startDaemon(host, ['/usr/sbin/exim4', '-bd', '-q30m'], '/var/log/exim4/daemon.out');
  const pid = await pollUntil(
    async () => {
      const held = (await listeners(host, 25)).flatMap((l) => l.processes).find((p) => p.name === 'exim4');
      return held?.pid;
    },
    { timeoutMs: 10_000, what: `${host.name}: exim4 listening on :25` },
  );
  const postfix = await postfixStart(host);
  return { kind: 'port25-held', holder: 'exim4', pid, postfixStart: postfix };
}

// systemd hosts: exim4 installed as a service the way `apt install exim4` leaves it — enabled
// and started, which (Debian's postfix.service has Conflicts=exim4.service) stops Postfix.
// The unit runs Debian's real exim4 binaries in the foreground (-bdf).
const EXIM_UNIT = `[Unit]
Description=exim Mail Transport Agent (lab: Debian's binaries)
Conflicts=postfix.service
After=network.target

[Service]
ExecStart=/usr/sbin/exim4 -bdf -q30m
Restart=no

[Install]
WantedBy=multi-user.target
`;

export async function injectEximService(host: Host): Promise<PortHeldFault> {
  if (host.kind !== 'nspawn') throw new Error(`${host.name}: exim4.service needs a systemd host`);
  const tree = await ensureEximCache();
  await copyTreeIn(host, tree, '/');
  await host.execOk(['sh', '-c', ADD_EXIM_USER]);
  const hostname = (await host.execOk(['hostname'])).stdout.trim();
  await host.writeFile('/etc/exim4/exim4.conf', eximConfig(`${hostname}.exim.test`), 0o644);
  // Where the Debian package puts it (an admin's own unit in /etc/systemd/system cannot be masked).
  await host.writeFile('/lib/systemd/system/exim4.service', EXIM_UNIT, 0o644);
  await host.execOk(['systemctl', 'daemon-reload'], { timeoutMs: 30_000 });
  // Conflicts= stops Postfix, but exim would race a still-exiting master for :25 and then wait
  // 30 s before retrying the bind: let Postfix finish stopping first.
  await postfixStop(host);
  await host.execOk(['systemctl', 'enable', '--now', 'exim4.service'], { timeoutMs: 60_000 });
  const pid = await pollUntil(
    async () => (await listeners(host, 25)).flatMap((l) => l.processes).find((p) => p.name === 'exim4')?.pid,
    { timeoutMs: 15_000, what: `${host.name}: exim4.service listening on :25` },
  );
  return { kind: 'port25-held', holder: 'exim4', pid, postfixStart: await host.exec(['systemctl', 'is-active', 'postfix@-.service']) };
}

// Constant program; the port and optional greeting arrive as argv. Accepts and keeps every
// connection, greeting it only if asked to: a stand-in for any non-Postfix service on :25.
const LISTENER_PY = `
import socket, sys
port = int(sys.argv[1]); greeting = sys.argv[2].encode() if len(sys.argv) > 2 else b""
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port)); s.listen(64)
held = []
while True:
    c, _ = s.accept()
    if greeting:
        try: c.sendall(greeting)
        except OSError: pass
    held.append(c)
`;

export interface ListenerOptions {
  // Sent on each accepted connection (default: nothing, so clients see a banner timeout).
  greeting?: string;
}

export async function injectListenerHolds25(host: Host, opts: ListenerOptions = {}): Promise<PortHeldFault> {
  await postfixStop(host);
  const argv = ['/usr/bin/python3', '-c', LISTENER_PY, '25'];
  if (opts.greeting !== undefined) argv.push(opts.greeting);
  const pid = await startDaemon(host, argv);
  await pollUntil(async () => ((await listeners(host, 25)).length > 0 ? true : undefined), {
    timeoutMs: 10_000,
    what: `${host.name}: listener on :25`,
  });
  const postfix = await postfixStart(host);
  return { kind: 'port25-held', holder: 'listener', pid, postfixStart: postfix };
}
