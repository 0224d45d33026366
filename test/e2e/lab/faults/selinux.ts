// SELinux denies Postfix a port — with the SELinux STAND-IN (see standins/selinux/common.sh):
// this kernel has no SELinux. The host gets the stand-in programs, mode Enforcing, a submission
// service on a non-standard port in master.cf, and the AVC denial the real kernel logs when
// postfix master is refused name_bind there. Postfix is stopped, as the real master dies on a
// failed bind at startup ("fatal: bind 0.0.0.0 port 2525: Permission denied").

import { readFileSync } from 'node:fs';
import type { Host } from '../host-types.js';
import { postfixStop } from '../postfix-control.js';

const TOOLS = ['getenforce', 'setenforce', 'semanage', 'getsebool', 'setsebool', 'ausearch'] as const;
const src = (name: string): string => readFileSync(new URL(`../standins/selinux/${name}`, import.meta.url), 'utf8');

export interface SelinuxFault {
  kind: 'selinux-denies-port';
  port: number;
}

export async function installSelinuxStandin(host: Host, mode: 'Enforcing' | 'Permissive' = 'Enforcing'): Promise<void> {
  await host.execOk(['mkdir', '-p', '/usr/local/lib/selinux-standin', '/usr/local/sbin', '/var/lib/selinux-standin', '/var/log/audit']);
  await host.writeFile('/usr/local/lib/selinux-standin/common.sh', src('common.sh'), 0o644);
  for (const t of TOOLS) await host.writeFile(`/usr/local/sbin/${t}`, src(t), 0o755);
  await host.writeFile('/var/lib/selinux-standin/mode', `${mode}\n`, 0o644);
}

export async function injectSelinuxDeniesPort(host: Host, port = 2525): Promise<SelinuxFault> {
  await installSelinuxStandin(host);
  await host.execOk(['postconf', '-M', '-e', `${port}/inet=${port} inet n - y - - smtpd`]);
  await postfixStop(host);
  const now = Math.floor(Date.now() / 1000);
  const avc = `type=AVC msg=audit(${now}.123:412): avc:  denied  { name_bind } for  pid=4242 comm="master" src=${port} scontext=system_u:system_r:postfix_master_t:s0 tcontext=system_u:object_r:unreserved_port_t:s0 tclass=tcp_socket permissive=0\n`;
  await host.writeFile('/var/log/audit/audit.log', avc, 0o600);
  return { kind: 'selinux-denies-port', port };
}

export async function selinuxStandinState(host: Host): Promise<{ mode: string; ports: string; history: string }> {
  const read = async (f: string): Promise<string> => (await host.exec(['cat', `/var/lib/selinux-standin/${f}`])).stdout;
  return { mode: (await read('mode')).trim(), ports: await read('ports'), history: await read('history') };
}
