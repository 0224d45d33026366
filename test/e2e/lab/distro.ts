// Present a lab host as another distro: its real /etc/os-release (from test/fixtures), its mail
// log where that distro keeps it, and — for Alpine — an OpenRC-style service manager stand-in,
// because OpenRC cannot run here. The firewall backend is the test's choice (fault injectors).

import { readFileSync } from 'node:fs';
import type { Host } from './host-types.js';
import { postconfSet, postfixRestart } from './postfix-control.js';

export type Distro = 'debian-12' | 'ubuntu-24.04' | 'rocky-9.4' | 'alpine-3.20';

const MAIL_LOG: Record<Distro, string> = {
  'debian-12': '/var/log/mail.log',
  'ubuntu-24.04': '/var/log/mail.log',
  'rocky-9.4': '/var/log/maillog',
  'alpine-3.20': '/var/log/messages',
};

const fixture = (d: Distro): string => readFileSync(new URL(`../../fixtures/os-release/${d}`, import.meta.url), 'utf8');
const standin = (name: string): string => readFileSync(new URL(`./standins/${name}`, import.meta.url), 'utf8');

export async function presentAs(host: Host, distro: Distro): Promise<{ mailLog: string }> {
  await host.writeFile('/etc/os-release', fixture(distro), 0o644);
  const mailLog = MAIL_LOG[distro];
  await postconfSet(host, [`maillog_file=${mailLog}`]);
  if (distro === 'alpine-3.20') {
    // OpenRC stand-in (named so in every test that uses it): /run/openrc marks OpenRC as the
    // running manager, rc-service/rc-update drive Postfix; postfix is in runlevel default.
    await host.execOk(['mkdir', '-p', '/run/openrc', '/etc/runlevels/default', '/etc/init.d']);
    await host.writeFile('/etc/init.d/postfix', '#!/sbin/openrc-run\n# lab stand-in: see /usr/local/sbin/rc-service\n', 0o755);
    await host.writeFile('/usr/local/sbin/rc-service', standin('rc-service'), 0o755);
    await host.writeFile('/usr/local/sbin/rc-update', standin('rc-update'), 0o755);
    await host.execOk(['ln', '-sf', '/etc/init.d/postfix', '/etc/runlevels/default/postfix']);
  }
  await postfixRestart(host);
  return { mailLog };
}
