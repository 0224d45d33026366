import type { ExecResult, Host } from './host-types.js';
import { pollUntil } from './wait.js';

// Postfix as each kind of host runs it: `postfix start|stop` on a namespace host (no init
// system), the real systemd units on an nspawn host. These are lab helpers for setting up
// state; they are not the product's way of doing it.

const STOP_TIMEOUT_MS = 15_000;

export async function postfixIsRunning(host: Host): Promise<boolean> {
  // `postfix status` tests master.pid's lock: exit 0 only while a master holds it.
  const result = await host.exec(['postfix', 'status'], { timeoutMs: 10_000 });
  return result.code === 0;
}

export async function postfixStop(host: Host): Promise<void> {
  if (host.kind === 'nspawn') {
    await host.exec(['systemctl', 'stop', 'postfix.service', 'postfix@-.service'], { timeoutMs: 30_000 });
    // `systemctl stop` can return while the unit is still deactivating.
    await pollUntil(
      async () => {
        const r = await host.exec(['systemctl', 'is-active', 'postfix@-.service'], { timeoutMs: 5_000 });
        return ['inactive', 'failed'].includes(r.stdout.trim()) ? true : undefined;
      },
      { timeoutMs: STOP_TIMEOUT_MS, what: `${host.name}: postfix@- inactive` },
    );
  } else if (await postfixIsRunning(host)) {
    // Only when running: `postfix stop` on a stopped Postfix exits fatally after a 1 s pause.
    await host.exec(['postfix', 'stop'], { timeoutMs: 30_000 });
  }
  await pollUntil(async () => ((await postfixIsRunning(host)) ? undefined : true), {
    timeoutMs: STOP_TIMEOUT_MS,
    what: `${host.name}: postfix master gone`,
  });
}

// Starts Postfix the host's way and returns what that said (a failed start is a valid outcome
// for fault injectors, so it is not thrown).
export async function postfixStart(host: Host): Promise<ExecResult> {
  if (host.kind === 'nspawn') return host.exec(['systemctl', 'start', 'postfix.service'], { timeoutMs: 60_000 });
  // `script` gives postfix a tty: it prints its fatal errors only on a terminal.
  return host.exec(['script', '-qec', 'postfix start', '/dev/null'], { timeoutMs: 60_000 });
}

export async function postfixRestart(host: Host): Promise<ExecResult> {
  await postfixStop(host);
  return postfixStart(host);
}

// Edits main.cf with postconf and backdates it, so the next start does not pay Postfix's
// 2-3 s "main.cf just changed" pause (injecting a fault should not cost the tests that).
export async function postconfSet(host: Host, settings: readonly string[]): Promise<void> {
  if (settings.length > 0) await host.execOk(['postconf', '-e', ...settings]);
  await backdateConfig(host);
}

export async function postconfRemove(host: Host, names: readonly string[]): Promise<void> {
  if (names.length > 0) await host.execOk(['postconf', '-X', ...names]);
  await backdateConfig(host);
}

export async function backdateConfig(host: Host): Promise<void> {
  await host.execOk(['touch', '-d', '-1 min', '/etc/postfix/main.cf', '/etc/postfix/master.cf']);
}

export async function postconfGet(host: Host, name: string): Promise<string> {
  return (await host.execOk(['postconf', '-h', name])).stdout.trim();
}

// Daemons that hold the configuration they started with until they exit.
const CLIENT_FACING = new Set(['smtpd', 'postscreen', 'tlsproxy']);

// Children of the Postfix master serving clients: pid and command name.
async function clientFacingDaemons(host: Host): Promise<number[]> {
  const pidFile = await host.exec(['cat', '/var/spool/postfix/pid/master.pid'], { timeoutMs: 5_000 });
  const master = Number(pidFile.stdout.trim());
  if (pidFile.code !== 0 || !Number.isInteger(master) || master <= 0) return [];
  const ps = await host.exec(['ps', '-o', 'pid=,comm=', '--ppid', String(master)], { timeoutMs: 5_000 });
  return ps.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, comm]) => comm !== undefined && CLIENT_FACING.has(comm))
    .map(([pid]) => Number(pid));
}

// `postfix reload` the host's way (`systemctl reload postfix` under systemd). Waits until the
// master has logged that it re-read its configuration, then until every smtpd/postscreen/
// tlsproxy process that predates it has exited: an idle one may otherwise still take the next
// connection with the old settings (the reload itself only signals the master).
export async function postfixReload(host: Host): Promise<ExecResult> {
  const before = await clientFacingDaemons(host);
  const reloads = countReloads(await postfixLog(host));
  const result =
    host.kind === 'nspawn'
      ? await host.exec(['systemctl', 'reload', 'postfix.service'], { timeoutMs: 60_000 })
      : await host.exec(['postfix', 'reload'], { timeoutMs: 60_000 });
  if (result.code !== 0) return result;
  await pollUntil(async () => (countReloads(await postfixLog(host)) > reloads ? true : undefined), {
    timeoutMs: 15_000,
    what: `${host.name}: master logged "reload"`,
  });
  if (before.length > 0) {
    await pollUntil(
      async () => {
        const alive = await host.exec(['ps', '-o', 'pid=', '-p', before.join(',')], { timeoutMs: 5_000 });
        return alive.stdout.trim() === '' ? true : undefined;
      },
      { timeoutMs: STOP_TIMEOUT_MS, what: `${host.name}: smtpd processes ${before.join(' ')} gone after reload` },
    );
  }
  return result;
}

function countReloads(log: string): number {
  return log.match(/postfix\/master\[\d+\]: reload -- version/g)?.length ?? 0;
}

// Everything Postfix logged on the host: the lab's maillog_file on a namespace host, the
// journal of postfix@- on a systemd host (no syslog there).
export async function postfixLog(host: Host): Promise<string> {
  if (host.kind === 'nspawn') {
    const r = await host.exec(['journalctl', '-u', 'postfix@-.service', '--no-pager', '-q', '-o', 'short'], { timeoutMs: 15_000 });
    return r.stdout;
  }
  const r = await host.exec(['cat', '/var/log/postfix.log'], { timeoutMs: 10_000 });
  return r.code === 0 ? r.stdout : '';
}

// Waits until Postfix's log matches pattern (Postfix logs asynchronously, through postlogd or
// journald); returns the match.
export async function waitForPostfixLog(host: Host, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
  return pollUntil(async () => (await postfixLog(host)).match(pattern) ?? undefined, {
    timeoutMs,
    intervalMs: 100,
    what: `${host.name}: Postfix log matching ${pattern}`,
  });
}
