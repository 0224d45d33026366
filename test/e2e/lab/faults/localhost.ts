import type { ExecResult, Host } from '../host-types.js';
import { postconfSet, postfixRestart } from '../postfix-control.js';

export interface LocalhostV6FirstFault {
  kind: 'localhost-v6-first';
  hosts: string;
  inetProtocols: 'ipv4';
  restart: ExecResult;
}

// ::1 listed first for localhost, as several distributions and cloud images write it.
// (glibc's getaddrinfo sorts ::1 ahead of 127.0.0.1 even with Debian's own order, as long as
// lo has ::1; this spells the order out so the fault does not rest on that.)
function v6FirstHosts(hostname: string, fqdn: string): string {
  return [
    '::1\tlocalhost ip6-localhost ip6-loopback',
    '127.0.0.1\tlocalhost',
    `127.0.1.1\t${fqdn} ${hostname}`,
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    '',
  ].join('\n');
}

// `localhost` resolves to ::1 first while Postfix listens on IPv4 only (inet_protocols = ipv4,
// the usual "fix" for an IPv6-less host): a local client that connects to the first address of
// "localhost" -- Node.js 17-19's net.connect, or Node 20+ with autoSelectFamily off -- gets
// ECONNREFUSED ::1:25, while 127.0.0.1:25 greets.
export async function injectLocalhostV6First(host: Host): Promise<LocalhostV6FirstFault> {
  const hostname = (await host.execOk(['hostname'])).stdout.trim();
  const fqdn = (await host.execOk(['postconf', '-h', 'myhostname'])).stdout.trim();
  const hosts = v6FirstHosts(hostname, fqdn);
  await host.writeFile('/etc/hosts', hosts, 0o644);
  await postconfSet(host, ['inet_protocols=ipv4']);
  // inet_protocols, like inet_interfaces, needs a restart; a reload ignores it.
  const restart = await postfixRestart(host);
  return { kind: 'localhost-v6-first', hosts, inetProtocols: 'ipv4', restart };
}
