import type { ExecResult, Host } from '../host-types.js';
import { postconfSet, postfixStart, postfixStop } from '../postfix-control.js';

export interface Ipv6LessFault {
  kind: 'ipv6-less-inet-protocols-all';
  inetInterfaces: string;
  // Fails: "fatal: parameter inet_interfaces: no local interface found for ::1".
  postfixStart: ExecResult;
}

export interface Ipv6LessOptions {
  // Must name an IPv6 address for Postfix to fail; `localhost` (127.0.0.1 and ::1 in
  // /etc/hosts) is the common real-world case. With `all` Postfix binds [::] and runs fine.
  inetInterfaces?: string;
}

// A host whose IPv6 was turned off with sysctl (the usual way to "disable IPv6") while main.cf
// keeps inet_protocols = all: Postfix refuses to start, and so does `postfix stop`/`check`.
// (With ipv6.disable=1 on the kernel command line Postfix would instead fall back to IPv4 with
// a warning; that cannot be done per namespace, and it is not the failure people hit.)
export async function injectIpv6Less(host: Host, opts: Ipv6LessOptions = {}): Promise<Ipv6LessFault> {
  const inetInterfaces = opts.inetInterfaces ?? 'localhost';
  await postfixStop(host);
  await host.execOk([
    'sysctl', '-q', '-w',
    'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.lo.disable_ipv6=1',
  ]);
  // Interfaces added later (a veth from link()) inherit `default`; existing ones need `all`.
  await postconfSet(host, ['inet_protocols=all', `inet_interfaces=${inetInterfaces}`]);
  const start = await postfixStart(host);
  return { kind: 'ipv6-less-inet-protocols-all', inetInterfaces, postfixStart: start };
}
