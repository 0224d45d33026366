import { processAlive } from './daemon.js';
import type { Host } from './host-types.js';
import { postconfSet, postfixIsRunning, postfixReload } from './postfix-control.js';
import { pollUntil } from './wait.js';

// Dovecot 2.3 (the machine's dovecot-core) as Postfix's SASL backend only, inside a namespace
// lab host: no IMAP/POP3 (`protocols =`), users from a passwd-file, and the auth service's
// listener in Postfix's queue directory, where smtpd (chrooted there) finds it as private/auth.

export interface DovecotUser {
  user: string;
  password: string;
}

export interface DovecotSaslOptions {
  users: readonly DovecotUser[];
  // Where the auth listener goes (default /var/spool/postfix/private/auth).
  socket?: string;
  // Advertised after STARTTLS (default plain login).
  mechanisms?: readonly string[];
  // Point Postfix at it: smtpd_sasl_type = dovecot, smtpd_sasl_path = private/auth, and a
  // reload when Postfix runs (default true). Enables AUTH on no service by itself.
  configurePostfix?: boolean;
  timeoutMs?: number;
}

export interface DovecotInstance {
  // The dovecot master's pid inside the host.
  pid: number;
  config: string;
  baseDir: string;
  socket: string;
  usersFile: string;
  users: DovecotUser[];
  // From `dovecot -c` to the auth socket existing.
  startMs: number;
}

export const DOVECOT_CONFIG = '/etc/dovecot/lab-sasl.conf';
const BASE_DIR = '/run/dovecot-lab';
const USERS_FILE = '/etc/dovecot/lab-users';
const QUEUE_DIR = '/var/spool/postfix';
const DEFAULT_SOCKET = `${QUEUE_DIR}/private/auth`;
const USER_PATTERN = /^[A-Za-z0-9._@+-]+$/;

const instances = new WeakMap<Host, DovecotInstance>();

export function dovecotOf(host: Host): DovecotInstance | undefined {
  return instances.get(host);
}

function config(socket: string, mechanisms: readonly string[]): string {
  return [
    '# The postfix-fix lab (dovecot.ts): Dovecot as Postfix\'s SASL backend, nothing else.',
    'protocols =',
    `base_dir = ${BASE_DIR}/`,
    'state_dir = /var/lib/dovecot-lab',
    'log_path = /var/log/dovecot.log',
    'ssl = no',
    `auth_mechanisms = ${mechanisms.join(' ')}`,
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${USERS_FILE}`,
    '}',
    // Never used for SASL, but Dovecot wants a userdb.
    'userdb {',
    '  driver = static',
    '  args = uid=nobody gid=nogroup home=/nonexistent',
    '}',
    'service auth {',
    `  unix_listener ${socket} {`,
    '    mode = 0660',
    '    user = postfix',
    '    group = postfix',
    '  }',
    '}',
    '',
  ].join('\n');
}

function saslPath(socket: string): string {
  // smtpd runs chrooted in the queue directory: a socket there is named relative to it.
  return socket.startsWith(`${QUEUE_DIR}/`) ? socket.slice(QUEUE_DIR.length + 1) : socket;
}

export async function startDovecotSasl(host: Host, opts: DovecotSaslOptions): Promise<DovecotInstance> {
  if (host.kind !== 'namespace') throw new Error(`${host.name}: Dovecot runs in namespace hosts only (the nspawn rootfs lacks it)`);
  if (instances.has(host)) throw new Error(`${host.name}: Dovecot already started`);
  for (const u of opts.users) {
    if (!USER_PATTERN.test(u.user) || /[:\n]/.test(u.password)) throw new Error(`unusable Dovecot user ${JSON.stringify(u.user)}`);
  }
  const socket = opts.socket ?? DEFAULT_SOCKET;
  const users = opts.users.map((u) => ({ ...u }));
  await host.execOk(['mkdir', '-p', BASE_DIR, '/var/lib/dovecot-lab']);
  await host.writeFile(USERS_FILE, users.map((u) => `${u.user}:{PLAIN}${u.password}\n`).join(''), 0o640);
  // The auth process runs as the dovecot user.
  await host.execOk(['chown', 'root:dovecot', USERS_FILE]);
  await host.writeFile(DOVECOT_CONFIG, config(socket, opts.mechanisms ?? ['plain', 'login']), 0o644);
  // A socket file left by an earlier instance would satisfy the wait below too early.
  await host.execOk(['rm', '-f', socket]);
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const started = Date.now();
  await host.execOk(['dovecot', '-c', DOVECOT_CONFIG], { timeoutMs });
  await pollUntil(async () => ((await host.exec(['test', '-S', socket])).code === 0 ? true : undefined), {
    timeoutMs,
    intervalMs: 20,
    what: `${host.name}: Dovecot's auth socket ${socket}`,
  });
  const startMs = Date.now() - started;
  const pid = Number((await host.readFile(`${BASE_DIR}/master.pid`)).trim());
  const instance: DovecotInstance = { pid, config: DOVECOT_CONFIG, baseDir: BASE_DIR, socket, usersFile: USERS_FILE, users, startMs };
  instances.set(host, instance);
  if (opts.configurePostfix ?? true) {
    await postconfSet(host, ['smtpd_sasl_type=dovecot', `smtpd_sasl_path=${saslPath(socket)}`]);
    if (await postfixIsRunning(host)) await postfixReload(host);
  }
  return instance;
}

export interface StopDovecotOptions {
  // Also delete the listener's socket file (Dovecot leaves it behind when it stops).
  removeSocket?: boolean;
}

// Stops the whole instance the way `systemctl stop dovecot` does (its cgroup, every process):
// the master alone going away would leave its auth process serving the smtpd processes
// already connected to it. Processes are found as the master's children and killed by pid.
export async function stopDovecot(host: Host, opts: StopDovecotOptions = {}): Promise<void> {
  const instance = instances.get(host);
  if (!instance) throw new Error(`${host.name}: no Dovecot started by the lab`);
  const children = (await host.exec(['ps', '-o', 'pid=', '--ppid', String(instance.pid)])).stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
  const pids = [instance.pid, ...children];
  await host.exec(['kill', '-TERM', ...pids.map(String)]);
  await pollUntil(
    async () => {
      const alive = await Promise.all(pids.map((p) => processAlive(host, p)));
      return alive.some(Boolean) ? undefined : true;
    },
    { timeoutMs: 15_000, what: `${host.name}: Dovecot processes ${pids.join(' ')} gone` },
  );
  if (opts.removeSocket) await host.execOk(['rm', '-f', instance.socket]);
  instances.delete(host);
}

