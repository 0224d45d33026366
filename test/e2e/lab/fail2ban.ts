import { processAlive } from './daemon.js';
import type { ExecResult, Host } from './host-types.js';
import { postconfGet } from './postfix-control.js';
import { pollUntil } from './wait.js';

// fail2ban (Debian's 1.0.2, the machine's package) running inside a namespace lab host, with
// the jails a mail server has. The host's root is a private overlay of the machine's, so
// /etc/fail2ban and /var/lib/fail2ban in it are already the host's own copies; what the
// machine's copies carry beyond the package (jail.d, *.local, a ban database) is removed there
// first, so every host starts from the same configuration and restores no bans.

export type Fail2banBanaction = 'iptables-multiport' | 'nftables-multiport';

export interface Fail2banOptions {
  // How bans reach the firewall (default iptables-multiport, Debian's default).
  banaction?: Fail2banBanaction;
  // Jails to enable, all on Postfix's log (default postfix and postfix-sasl).
  jails?: readonly string[];
  // `ignoreip` of the [DEFAULT] section (unset by default, as in Debian). Only log-driven bans
  // honour it: `fail2ban-client set JAIL banip` bans an ignored address all the same.
  ignoreip?: readonly string[];
  // Seconds, or a fail2ban time string such as "1h" (default fail2ban's 10m).
  bantime?: number | string;
  // Failures within findtime before a log-driven ban (default fail2ban's 5 in 10m).
  maxretry?: number;
  findtime?: number | string;
  // The log the jails read (default: Postfix's maillog_file in the host).
  logpath?: string;
  timeoutMs?: number;
}

export interface Fail2banInstance {
  // fail2ban-server's pid inside the host.
  pid: number;
  socket: string;
  pidFile: string;
  jailLocal: string;
  logpath: string;
  banaction: Fail2banBanaction;
  jails: string[];
  ignoreip: string[];
  bantime?: number | string;
  // From fail2ban-server -b to every jail listed by `fail2ban-client status`.
  startMs: number;
}

export const FAIL2BAN_SOCKET = '/run/fail2ban/fail2ban.sock';
export const FAIL2BAN_PID_FILE = '/run/fail2ban/fail2ban.pid';
const JAIL_LOCAL = '/etc/fail2ban/jail.local';
const DEFAULT_JAILS = ['postfix', 'postfix-sasl'] as const;

const instances = new WeakMap<Host, Fail2banInstance>();

export function fail2banOf(host: Host): Fail2banInstance | undefined {
  return instances.get(host);
}

function jailLocal(opts: Fail2banOptions, banaction: Fail2banBanaction, jails: readonly string[], logpath: string): string {
  const defaults = [
    '[DEFAULT]',
    // No journal to read in a namespace host, and pyinotify is not installed.
    'backend = polling',
    `banaction = ${banaction}`,
    `banaction_allports = ${banaction.replace('-multiport', '-allports')}`,
  ];
  if (opts.ignoreip && opts.ignoreip.length > 0) defaults.push(`ignoreip = ${opts.ignoreip.join(' ')}`);
  if (opts.bantime !== undefined) defaults.push(`bantime = ${opts.bantime}`);
  if (opts.maxretry !== undefined) defaults.push(`maxretry = ${opts.maxretry}`);
  if (opts.findtime !== undefined) defaults.push(`findtime = ${opts.findtime}`);
  const sections = jails.map((jail) => `[${jail}]\nenabled = true\nlogpath = ${logpath}\n`);
  return ['# The postfix-fix lab (fail2ban.ts): a mail server\'s jails on Postfix\'s own log.', ...defaults, '', ...sections].join('\n');
}

// Clears what the machine's /etc/fail2ban and /var/lib/fail2ban carry beyond the package, in
// the host's copy only. A fixed script: nothing in it comes from the caller.
const RESET_SCRIPT = [
  'set -e',
  'rm -f /etc/fail2ban/jail.d/* /etc/fail2ban/fail2ban.d/* /etc/fail2ban/*.local',
  'rm -f /etc/fail2ban/action.d/*.local /etc/fail2ban/filter.d/*.local',
  'rm -rf /var/lib/fail2ban',
  'mkdir -p -m 0755 /var/lib/fail2ban /run/fail2ban',
].join('\n');

// Starts fail2ban-server in the host and waits until every jail is up.
export async function startFail2ban(host: Host, opts: Fail2banOptions = {}): Promise<Fail2banInstance> {
  if (host.kind !== 'namespace') throw new Error(`${host.name}: fail2ban runs in namespace hosts only (the nspawn rootfs lacks it)`);
  if (instances.has(host)) throw new Error(`${host.name}: fail2ban already started`);
  const banaction = opts.banaction ?? 'iptables-multiport';
  const jails = [...(opts.jails ?? DEFAULT_JAILS)];
  const logpath = opts.logpath ?? (await postconfGet(host, 'maillog_file'));
  if (logpath === '') throw new Error(`${host.name}: no logpath and Postfix has no maillog_file`);
  await host.execOk(['sh', '-c', RESET_SCRIPT]);
  // A jail whose log file does not exist yet fails to start.
  await host.execOk(['touch', logpath]);
  await host.writeFile(JAIL_LOCAL, jailLocal(opts, banaction, jails, logpath), 0o644);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const started = Date.now();
  // -b: fork to the background once the configuration is loaded.
  await host.execOk(['fail2ban-server', '-b', '-s', FAIL2BAN_SOCKET, '-p', FAIL2BAN_PID_FILE], { timeoutMs });
  await pollUntil(
    async () => {
      const status = await fail2banClient(host, ['status']);
      if (status.code !== 0) return undefined;
      const listed = /Jail list:\s*(.*)$/m.exec(status.stdout)?.[1]?.split(/,\s*/) ?? [];
      return jails.every((j) => listed.includes(j)) ? true : undefined;
    },
    { timeoutMs, intervalMs: 50, what: `${host.name}: fail2ban jails ${jails.join(', ')} up` },
  );
  const startMs = Date.now() - started;
  const pid = Number((await host.readFile(FAIL2BAN_PID_FILE)).trim());
  const instance: Fail2banInstance = {
    pid,
    socket: FAIL2BAN_SOCKET,
    pidFile: FAIL2BAN_PID_FILE,
    jailLocal: JAIL_LOCAL,
    logpath,
    banaction,
    jails,
    ignoreip: [...(opts.ignoreip ?? [])],
    startMs,
  };
  if (opts.bantime !== undefined) instance.bantime = opts.bantime;
  instances.set(host, instance);
  return instance;
}

export function fail2banClient(host: Host, args: readonly string[]): Promise<ExecResult> {
  return host.exec(['fail2ban-client', '-s', FAIL2BAN_SOCKET, ...args], { timeoutMs: 15_000 });
}

// `fail2ban-client stop`: the jails' actionstop removes their firewall chains/sets, as a
// service stop would.
export async function stopFail2ban(host: Host): Promise<void> {
  const instance = instances.get(host);
  if (!instance) return;
  await fail2banClient(host, ['stop']);
  await pollUntil(async () => ((await processAlive(host, instance.pid)) ? undefined : true), {
    timeoutMs: 15_000,
    what: `${host.name}: fail2ban-server ${instance.pid} gone`,
  });
  instances.delete(host);
}

// The addresses a jail has banned now (`fail2ban-client get JAIL banned`).
export async function bannedAddresses(host: Host, jail: string): Promise<string[]> {
  const result = await fail2banClient(host, ['get', jail, 'banned']);
  if (result.code !== 0) throw new Error(`${host.name}: fail2ban-client get ${jail} banned: ${result.stderr || result.stdout}`);
  return [...result.stdout.matchAll(/'([^']+)'/g)].map((m) => m[1] as string);
}

function addressPattern(addr: string): RegExp {
  const escaped = addr.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s{,])${escaped}([\\s},/]|$)`, 'm');
}

// Whether the jail's ban of addr is in the firewall itself: the jail's ban list is updated
// before its action runs, so only the rule or set element says the packets are stopped.
export async function banInFirewall(host: Host, jail: string, addr: string): Promise<boolean> {
  const v6 = addr.includes(':');
  const banaction = instances.get(host)?.banaction;
  const pattern = addressPattern(addr);
  if (banaction !== 'nftables-multiport') {
    const ipt = await host.exec([v6 ? 'ip6tables' : 'iptables', '-w', '-S', `f2b-${jail}`], { timeoutMs: 10_000 });
    if (ipt.code === 0 && ipt.stdout.includes(`-s ${addr}/${v6 ? 128 : 32} `)) return true;
  }
  if (banaction !== 'iptables-multiport') {
    const set = `${v6 ? 'addr6' : 'addr'}-set-${jail}`;
    const nft = await host.exec(['nft', 'list', 'set', 'inet', 'f2b-table', set], { timeoutMs: 10_000 });
    const elements = /elements = \{([^}]*)\}/.exec(nft.stdout)?.[1] ?? '';
    if (nft.code === 0 && pattern.test(elements)) return true;
  }
  return false;
}

// `fail2ban-client set JAIL banip ADDR`, then waits until the firewall holds the ban.
export async function banAddress(host: Host, jail: string, addr: string): Promise<void> {
  const result = await fail2banClient(host, ['set', jail, 'banip', addr]);
  if (result.code !== 0) throw new Error(`${host.name}: fail2ban-client set ${jail} banip ${addr}: ${result.stderr || result.stdout}`);
  await pollUntil(async () => ((await banInFirewall(host, jail, addr)) ? true : undefined), {
    timeoutMs: 15_000,
    what: `${host.name}: ${addr} banned in the firewall by jail ${jail}`,
  });
}

export async function unbanAddress(host: Host, jail: string, addr: string): Promise<void> {
  const result = await fail2banClient(host, ['set', jail, 'unbanip', addr]);
  if (result.code !== 0) throw new Error(`${host.name}: fail2ban-client set ${jail} unbanip ${addr}: ${result.stderr || result.stdout}`);
  await pollUntil(async () => ((await banInFirewall(host, jail, addr)) ? undefined : true), {
    timeoutMs: 15_000,
    what: `${host.name}: ${addr} out of the firewall of jail ${jail}`,
  });
}
