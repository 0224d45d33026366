import type { ExecResult, Host } from '../host-types.js';
import { listeners } from '../listeners.js';
import {
  backdateConfig,
  postconfSet,
  postfixReload,
  postfixStart,
  postfixStop,
  waitForPostfixLog,
} from '../postfix-control.js';
import { pollUntil } from '../wait.js';

// Postfix configuration states a triage leaves behind: each is what an admin's own edit plus
// the usual reload or restart produce.

export interface ReloadTrapFault {
  kind: 'reload-trap';
  // What inet_interfaces says now, and what the running master still uses.
  configured: 'all';
  running: 'loopback-only';
  reload: ExecResult;
}

// A loopback-only Postfix "fixed" with `postconf -e inet_interfaces=all` + `postfix reload`:
// main.cf says all, the master logs "warning: service smtp: ignoring inet_interfaces change"
// and keeps listening on loopback only, so peers are still refused.
export async function injectReloadTrap(host: Host): Promise<ReloadTrapFault> {
  await postfixStop(host);
  await postconfSet(host, ['inet_interfaces=loopback-only']);
  const start = await postfixStart(host);
  if (start.code !== 0) throw new Error(`${host.name}: postfix did not start: ${start.stdout}`);
  await postconfSet(host, ['inet_interfaces=all']);
  const reload = await postfixReload(host);
  await waitForPostfixLog(host, /ignoring inet_interfaces change/);
  return { kind: 'reload-trap', configured: 'all', running: 'loopback-only', reload };
}

// commented: the `smtp inet ... smtpd` line of master.cf commented out by hand.
// master-service-disable: `postconf -e master_service_disable=inet` (Postfix >= 3.5).
// Either way, after a reload the master runs (postfix status: running) with nothing on :25.
export type SmtpServiceDisabledVariant = 'commented' | 'master-service-disable';

export interface SmtpServiceDisabledFault {
  kind: 'smtp-service-disabled';
  variant: SmtpServiceDisabledVariant;
  // The master.cf line as it reads now (commented variant).
  masterCfLine?: string;
  reload: ExecResult;
}

const MASTER_CF = '/etc/postfix/master.cf';
// Debian's active smtpd line; the commented `#smtp inet ... postscreen` below it must not match.
const SMTP_INET_LINE = /^smtp(\s+)inet(\s+\S+){5}\s+smtpd\b.*$/m;

export async function injectSmtpServiceDisabled(
  host: Host,
  variant: SmtpServiceDisabledVariant,
): Promise<SmtpServiceDisabledFault> {
  let masterCfLine: string | undefined;
  if (variant === 'commented') {
    // Deliberately a text edit of master.cf, not postconf: this simulates an admin commenting
    // the line out in an editor (postconf has no "comment out"; -# would be the tool's way).
    const text = await host.readFile(MASTER_CF);
    const match = text.match(SMTP_INET_LINE);
    if (!match) throw new Error(`${host.name}: no active "smtp inet ... smtpd" line in ${MASTER_CF}`);
    masterCfLine = `#${match[0]}`;
    await host.writeFile(MASTER_CF, text.replace(SMTP_INET_LINE, masterCfLine), 0o644);
    await backdateConfig(host);
  } else {
    await postconfSet(host, ['master_service_disable=inet']);
  }
  const reload = await postfixReload(host);
  await pollUntil(async () => ((await listeners(host, 25)).length === 0 ? true : undefined), {
    timeoutMs: 15_000,
    what: `${host.name}: nothing listening on :25 after the reload`,
  });
  const fault: SmtpServiceDisabledFault = { kind: 'smtp-service-disabled', variant, reload };
  if (masterCfLine !== undefined) fault.masterCfLine = masterCfLine;
  return fault;
}

export interface UnknownInterfaceOptions {
  // Addresses inet_interfaces keeps that the host does have (default 127.0.0.1).
  keep?: readonly string[];
  // The address the host no longer has (default 192.0.2.77, TEST-NET-1: on no lab interface).
  // With renumberTo, one of the host's own addresses now, taken away after Postfix started.
  address?: string;
  // CIDR the interface holding `address` gets instead: the VM was renumbered under a running
  // Postfix (e.g. 10.231.N.9/24).
  renumberTo?: string;
}

export interface UnknownInterfaceFault {
  kind: 'unknown-interface-address';
  variant: 'start-fails' | 'renumbered-while-running';
  inetInterfaces: string;
  // start-fails: fails with "fatal: parameter inet_interfaces: no local interface found for
  // ADDRESS". renumbered: the start that succeeded while the address still existed.
  postfixStart: ExecResult;
  // renumbered: the interface and the address it has now.
  device?: string;
  newAddress?: string;
}

// inet_interfaces names an address the host does not have. Restarted: Postfix refuses to start.
// Renumbered under a running Postfix: the master keeps running with its socket on the lost
// address, peers reaching the new one are refused, each new smtpd (even for a loopback client)
// dies with the same fatal before its banner ("bad command startup -- throttling"), and every
// `postfix stop|status|reload|check` dies with it too: the admin cannot stop Postfix the usual
// way.
export async function injectUnknownInterfaceAddress(host: Host, opts: UnknownInterfaceOptions = {}): Promise<UnknownInterfaceFault> {
  const keep = opts.keep ?? ['127.0.0.1'];
  const address = opts.address ?? '192.0.2.77';
  const inetInterfaces = [...keep, address].join(', ');
  await postfixStop(host);
  await postconfSet(host, [`inet_interfaces=${inetInterfaces}`]);
  const start = await postfixStart(host);
  if (opts.renumberTo === undefined) {
    return { kind: 'unknown-interface-address', variant: 'start-fails', inetInterfaces, postfixStart: start };
  }
  if (start.code !== 0) throw new Error(`${host.name}: postfix did not start on ${inetInterfaces}: ${start.stdout}`);
  await pollUntil(async () => ((await listeners(host, 25)).some((l) => l.address === address) ? true : undefined), {
    timeoutMs: 15_000,
    what: `${host.name}: postfix listening on ${address}:25`,
  });
  const device = await deviceHolding(host, address);
  await host.execOk(['ip', 'addr', 'del', device.cidr, 'dev', device.name]);
  await host.execOk(['ip', 'addr', 'add', opts.renumberTo, 'dev', device.name]);
  return {
    kind: 'unknown-interface-address',
    variant: 'renumbered-while-running',
    inetInterfaces,
    postfixStart: start,
    device: device.name,
    newAddress: opts.renumberTo.split('/')[0] ?? opts.renumberTo,
  };
}

async function deviceHolding(host: Host, address: string): Promise<{ name: string; cidr: string }> {
  const out = (await host.execOk(['ip', '-o', '-4', 'addr', 'show'])).stdout;
  for (const line of out.split('\n')) {
    // "3: eth0    inet 10.231.0.1/24 brd ... scope global eth0"
    const m = line.match(/^\d+:\s+(\S+)\s+inet\s+(\S+)/);
    const name = m?.[1]?.split('@')[0];
    if (name && m?.[2]?.split('/')[0] === address) return { name, cidr: m[2] ?? '' };
  }
  throw new Error(`${host.name}: no interface holds ${address}`);
}

export interface SmtpdFatalFault {
  kind: 'smtpd-fatal-at-startup';
  settings: readonly string[];
  reload: ExecResult;
}

// SASL switched on with Dovecot as the backend, but no Dovecot socket: the master runs and :25
// accepts the TCP connection, then each smtpd logs "warning: SASL: Connect to Dovecot auth
// socket 'private/auth' failed" and "fatal: no SASL authentication mechanisms" before its
// banner; the master logs "bad command startup -- throttling" and stops spawning smtpd for a
// while, so later clients connect and hear nothing.
export async function injectSmtpdFatalAtStartup(host: Host): Promise<SmtpdFatalFault> {
  const settings = ['smtpd_sasl_auth_enable=yes', 'smtpd_sasl_type=dovecot', 'smtpd_sasl_path=private/auth'];
  await host.exec(['rm', '-f', '/var/spool/postfix/private/auth']);
  await postconfSet(host, settings);
  const reload = await postfixReload(host);
  return { kind: 'smtpd-fatal-at-startup', settings, reload };
}
