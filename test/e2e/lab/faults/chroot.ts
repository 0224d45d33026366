import type { ExecResult, Host } from '../host-types.js';
import { postconfSet, postfixReload, postfixRestart } from '../postfix-control.js';
import { syncChrootCopies } from '../services.js';

export interface StaleChrootOptions {
  // The peer's address, and the name the admin gives it in /etc/hosts.
  peerAddr: string;
  peerName?: string;
}

export interface StaleChrootFault {
  kind: 'stale-chroot-copies';
  // The line added to /etc/hosts after Postfix last synced its chroot.
  hostsLine: string;
  smtpdClientRestrictions: string;
  // Where chrooted smtpd reads its hosts file.
  chrootHosts: string;
  reload: ExecResult;
}

const CHROOT_HOSTS = '/var/spool/postfix/etc/hosts';

// Debian runs smtpd chrooted in /var/spool/postfix and copies /etc/hosts (resolv.conf,
// services, nsswitch.conf, ...) there only when Postfix is started through its init script or
// unit (configure-instance.sh); `postfix reload` and `systemctl reload postfix` do not copy.
// Here the server refuses clients without a name (reject_unknown_client_hostname); the admin
// names a partner's address in /etc/hosts and reloads. `getent hosts ADDR` on the server now
// answers, but smtpd reads the stale copy: the partner keeps getting
// "450 4.7.25 Client host rejected: cannot find your hostname, [ADDR]" and the log says
// "connect from unknown[ADDR]"; `postfix check` warns that the two files differ.
export async function injectStaleChrootCopies(host: Host, opts: StaleChrootOptions): Promise<StaleChrootFault> {
  const peerName = opts.peerName ?? 'mail.partner.test';
  const restrictions = 'reject_unknown_client_hostname';
  await postconfSet(host, [`smtpd_client_restrictions=${restrictions}`]);
  // A start the init-script way, so the copies exist and match /etc as on a real server.
  if (host.kind === 'namespace') await syncChrootCopies(host);
  const restart = await postfixRestart(host);
  if (restart.code !== 0) throw new Error(`${host.name}: postfix did not restart: ${restart.stdout}`);
  const hostsLine = `${opts.peerAddr}\t${peerName}`;
  const hosts = await host.readFile('/etc/hosts');
  await host.writeFile('/etc/hosts', `${hosts.trimEnd()}\n${hostsLine}\n`, 0o644);
  const reload = await postfixReload(host);
  return { kind: 'stale-chroot-copies', hostsLine, smtpdClientRestrictions: restrictions, chrootHosts: CHROOT_HOSTS, reload };
}
