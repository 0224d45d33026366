import { processAlive } from './daemon.js';
import type { Host } from './host-types.js';
import { pollUntil } from './wait.js';

// Real services smtpd depends on, started inside a lab host: Debian's OpenDKIM as a milter and
// Debian's postgrey as a policy service. On a namespace host (no init system) they run as plain
// daemons from the machine's packages; on a systemd host through the units the packages ship
// (the rootfs has them installed, configured and disabled at boot: rootfs.ts).

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------------------------------------
// OpenDKIM

// What Debian's README.Debian offers: TCP on localhost, or a unix socket moved inside Postfix's
// chroot (the packaged default, /run/opendkim/opendkim.sock, is outside it).
export type OpendkimSocket = 'inet:8891@localhost' | 'local:/var/spool/postfix/opendkim/opendkim.sock';

export interface OpendkimOptions {
  socket?: OpendkimSocket;
}

export interface Opendkim {
  // As written in opendkim.conf (Socket).
  socket: OpendkimSocket;
  // The same socket as Postfix names it in smtpd_milters. smtpd runs chrooted in the queue
  // directory (Debian's master.cf), so a unix path is relative to /var/spool/postfix.
  postfixMilter: string;
  // The daemon's pid as the host sees it.
  pid: number;
}

const OPENDKIM_CONF = '/etc/opendkim.conf';
const OPENDKIM_PID_FILE = '/run/opendkim/opendkim.pid';
const OPENDKIM_CHROOT_SOCKET_DIR = '/var/spool/postfix/opendkim';

export function postfixMilterFor(socket: OpendkimSocket): string {
  if (socket.startsWith('inet:')) {
    const [port, host] = socket.slice('inet:'.length).split('@');
    return `inet:${host ?? 'localhost'}:${port ?? ''}`;
  }
  return `unix:${socket.slice('local:/var/spool/postfix'.length)}`;
}

// Starts OpenDKIM with Debian's /etc/opendkim.conf (only the Socket line changed) and waits
// until the socket answers a milter option negotiation.
export async function startOpendkim(host: Host, opts: OpendkimOptions = {}): Promise<Opendkim> {
  const socket = opts.socket ?? 'inet:8891@localhost';
  await setConfLine(host, OPENDKIM_CONF, 'Socket', socket);
  if (socket.startsWith('local:')) {
    // README.Debian: a socket Postfix can reach from its chroot, group-accessible (UMask 007),
    // with postfix in the opendkim group.
    await host.execOk(['install', '-d', '-o', 'opendkim', '-g', 'opendkim', '-m', '0750', OPENDKIM_CHROOT_SOCKET_DIR]);
    await host.execOk(['usermod', '-a', '-G', 'opendkim', 'postfix']);
  }
  if (host.kind === 'nspawn') {
    await host.execOk(['systemctl', 'enable', '--now', 'opendkim.service'], { timeoutMs: 60_000 });
  } else {
    // What the package's tmpfiles.d entry makes at boot; /run is a fresh tmpfs in a lab host.
    await host.execOk(['install', '-d', '-o', 'opendkim', '-g', 'opendkim', '-m', '0750', '/run/opendkim']);
    // opendkim forks into the background itself and exits 0 once configured.
    await host.execOk(['/usr/sbin/opendkim', '-x', OPENDKIM_CONF], { timeoutMs: START_TIMEOUT_MS });
  }
  await pollUntil(async () => ((await milterAnswers(host, socket)) ? true : undefined), {
    timeoutMs: START_TIMEOUT_MS,
    intervalMs: 100,
    what: `${host.name}: opendkim answering on ${socket}`,
  });
  const pid = await readPidFile(host, OPENDKIM_PID_FILE);
  return { socket, postfixMilter: postfixMilterFor(socket), pid };
}

export interface StopServiceOptions {
  // systemd hosts: also `systemctl disable`, so the service stays down after a reboot.
  disable?: boolean;
}

export async function stopOpendkim(host: Host, dkim: Opendkim, opts: StopServiceOptions = {}): Promise<void> {
  await stopService(host, 'opendkim.service', dkim.pid, opts);
  await pollUntil(async () => ((await milterAnswers(host, dkim.socket)) ? undefined : true), {
    timeoutMs: STOP_TIMEOUT_MS,
    what: `${host.name}: opendkim no longer answering on ${dkim.socket}`,
  });
}

// Fixed program; the socket spec arrives as argv. Sends SMFIC_OPTNEG and prints the milter's
// answer: a real milter replies with its own 'O' packet.
const MILTER_PING = `
import socket, struct, sys
spec = sys.argv[1]
if spec.startswith("inet:"):
    port, _, host = spec[len("inet:"):].partition("@")
    s = socket.create_connection((host or "localhost", int(port)), timeout=5)
else:
    s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(spec.split(":", 1)[1])
body = b"O" + struct.pack(">III", 6, 0x1FF, 0x1FFFFF)
s.sendall(struct.pack(">I", len(body)) + body)
head = b""
while len(head) < 5:
    chunk = s.recv(5 - len(head))
    if not chunk: sys.exit("closed")
    head += chunk
print("milter-reply", chr(head[4]))
s.sendall(struct.pack(">I", 1) + b"Q")
`;

// True when something on the socket speaks the milter protocol (answers an option negotiation).
export async function milterAnswers(host: Host, socket: OpendkimSocket | string): Promise<boolean> {
  const r = await host.exec(['python3', '-c', MILTER_PING, socket], { timeoutMs: 10_000 });
  return r.code === 0 && r.stdout.includes('milter-reply O');
}

// ---------------------------------------------------------------------------------------------
// postgrey

export interface Postgrey {
  // Where Postfix's check_policy_service points: inet:ADDR:PORT.
  policyService: string;
  address: string;
  port: number;
  pid: number;
}

const POSTGREY_PID_FILE = '/run/postgrey/postgrey.pid';
const POSTGREY_ADDRESS = '127.0.0.1';
const POSTGREY_PORT = 10023;

// Starts postgrey on 127.0.0.1:10023 (what Debian's README and most guides wire Postfix to) and
// waits until it answers a policy request. On a systemd host: the packaged unit, whose
// /etc/default/postgrey says --inet=10023.
export async function startPostgrey(host: Host): Promise<Postgrey> {
  let pid: number;
  if (host.kind === 'nspawn') {
    await host.execOk(['systemctl', 'enable', '--now', 'postgrey.service'], { timeoutMs: 60_000 });
    pid = await pollUntil(
      async () => {
        const r = await host.exec(['systemctl', 'show', '-P', 'MainPID', 'postgrey.service']);
        const n = Number(r.stdout.trim());
        return n > 0 ? n : undefined;
      },
      { timeoutMs: START_TIMEOUT_MS, what: `${host.name}: postgrey.service main pid` },
    );
  } else {
    // The database lives in the host's own /var/lib/postgrey (the host's root is a private
    // overlay); the pid file in its own /run.
    await host.execOk(['install', '-d', '-o', 'postgrey', '-g', 'postgrey', '-m', '0755', '/run/postgrey', '/var/lib/postgrey']);
    await host.execOk(
      [
        '/usr/sbin/postgrey', `--inet=${POSTGREY_ADDRESS}:${POSTGREY_PORT}`, '-d', `--pidfile=${POSTGREY_PID_FILE}`,
        '--dbdir=/var/lib/postgrey',
      ],
      { timeoutMs: START_TIMEOUT_MS },
    );
    pid = 0;
  }
  await pollUntil(async () => ((await policyAnswer(host, POSTGREY_ADDRESS, POSTGREY_PORT)) !== undefined ? true : undefined), {
    timeoutMs: START_TIMEOUT_MS,
    intervalMs: 100,
    what: `${host.name}: postgrey answering on ${POSTGREY_ADDRESS}:${POSTGREY_PORT}`,
  });
  if (pid === 0) pid = await readPidFile(host, POSTGREY_PID_FILE);
  return {
    policyService: `inet:${POSTGREY_ADDRESS}:${POSTGREY_PORT}`,
    address: POSTGREY_ADDRESS,
    port: POSTGREY_PORT,
    pid,
  };
}

export async function stopPostgrey(host: Host, grey: Postgrey, opts: StopServiceOptions = {}): Promise<void> {
  await stopService(host, 'postgrey.service', grey.pid, opts);
  await pollUntil(async () => ((await policyAnswer(host, grey.address, grey.port)) === undefined ? true : undefined), {
    timeoutMs: STOP_TIMEOUT_MS,
    what: `${host.name}: postgrey no longer answering`,
  });
}

// Fixed program; address, port and recipient arrive as argv. One request in Postfix's policy
// delegation protocol (SMTPD_POLICY_README); prints the action line of the answer.
const POLICY_PING = `
import socket, sys
addr, port, rcpt = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((addr, port), timeout=5)
attrs = {"request": "smtpd_access_policy", "protocol_state": "RCPT", "protocol_name": "ESMTP",
         "client_address": "192.0.2.10", "client_name": "unknown", "helo_name": "probe.lab.test",
         "sender": "probe@lab.test", "recipient": rcpt, "instance": "lab.probe"}
s.sendall("".join(k + "=" + v + "\\n" for k, v in attrs.items()).encode() + b"\\n")
buf = b""
while b"\\n\\n" not in buf:
    chunk = s.recv(4096)
    if not chunk: break
    buf += chunk
print(buf.decode().strip())
`;

// The policy server's answer (e.g. "action=DUNNO") or undefined when nothing answers. Asks about
// postmaster@, which postgrey whitelists, so the probe leaves no greylist entry behind.
export async function policyAnswer(host: Host, address: string, port: number, recipient = 'postmaster@lab.test'): Promise<string | undefined> {
  const r = await host.exec(['python3', '-c', POLICY_PING, address, String(port), recipient], { timeoutMs: 10_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('action='));
  return r.code === 0 ? line : undefined;
}

// ---------------------------------------------------------------------------------------------
// Postfix's chroot

// What Debian's init script and postfix@.service (ExecStartPre) run before every start: copies
// /etc/{localtime,services,resolv.conf,hosts,host.conf,nsswitch.conf} and the NSS libraries into
// the queue directory, where chrooted smtpd looks them up. A namespace host starts Postfix with
// a bare `postfix start`, which skips this: its chroot has none of these copies until this runs.
export async function syncChrootCopies(host: Host): Promise<void> {
  await host.execOk(['/usr/lib/postfix/configure-instance.sh', '-']);
}

// ---------------------------------------------------------------------------------------------

async function stopService(host: Host, unit: string, pid: number, opts: StopServiceOptions): Promise<void> {
  if (host.kind === 'nspawn') {
    await host.execOk(['systemctl', opts.disable ? 'disable' : 'stop', ...(opts.disable ? ['--now'] : []), unit], {
      timeoutMs: 60_000,
    });
    await pollUntil(
      async () => {
        const r = await host.exec(['systemctl', 'is-active', unit]);
        return ['inactive', 'failed'].includes(r.stdout.trim()) ? true : undefined;
      },
      { timeoutMs: STOP_TIMEOUT_MS, what: `${host.name}: ${unit} inactive` },
    );
  } else {
    await host.exec(['kill', '-TERM', String(pid)]);
    await pollUntil(async () => ((await processAlive(host, pid)) ? undefined : true), {
      timeoutMs: STOP_TIMEOUT_MS,
      what: `${host.name}: pid ${pid} (${unit}) gone`,
    });
  }
}

async function readPidFile(host: Host, path: string): Promise<number> {
  return pollUntil(
    async () => {
      const r = await host.exec(['cat', path]);
      const n = Number(r.stdout.trim());
      return r.code === 0 && Number.isInteger(n) && n > 0 ? n : undefined;
    },
    { timeoutMs: START_TIMEOUT_MS, what: `${host.name}: pid file ${path}` },
  );
}

// Replaces the first `Name value` line of a whitespace-separated config file (opendkim.conf
// style), keeping everything else as the package shipped it.
async function setConfLine(host: Host, path: string, name: string, value: string): Promise<void> {
  const text = await host.readFile(path);
  const line = new RegExp(`^${name}\\s.*$`, 'm');
  if (!line.test(text)) throw new Error(`${host.name}: ${path} has no ${name} line`);
  await host.writeFile(path, text.replace(line, `${name}\t\t\t${value}`), 0o644);
}
