import { startDaemon } from '../daemon.js';
import type { Host } from '../host-types.js';
import { pollUntil } from '../wait.js';

export type IptablesBackend = 'nft' | 'legacy';

export interface IptablesFault {
  kind: 'iptables';
  backend: IptablesBackend;
  action: 'reject' | 'drop';
  // `iptables -S` lines of the unrelated rules, which a fix must leave exactly as they are.
  unrelatedRules: string[];
}

function iptablesBinary(backend: IptablesBackend): string {
  return backend === 'nft' ? 'iptables-nft' : 'iptables-legacy';
}

// Rules a real server has for other reasons: an ssh ACCEPT, and a fail2ban-style chain.
const UNRELATED_RULES: readonly (readonly string[])[] = [
  ['-N', 'f2b-sshd'],
  ['-A', 'f2b-sshd', '-s', '203.0.113.7/32', '-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'],
  ['-A', 'f2b-sshd', '-j', 'RETURN'],
  ['-A', 'INPUT', '-p', 'tcp', '-m', 'tcp', '--dport', '22', '-j', 'f2b-sshd'],
  ['-A', 'INPUT', '-p', 'tcp', '-m', 'tcp', '--dport', '22', '-j', 'ACCEPT'],
];

export const UNRELATED_RULE_LINES: readonly string[] = [
  '-N f2b-sshd',
  '-A INPUT -p tcp -m tcp --dport 22 -j f2b-sshd',
  '-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT',
  '-A f2b-sshd -s 203.0.113.7/32 -j REJECT --reject-with icmp-port-unreachable',
  '-A f2b-sshd -j RETURN',
];

export interface IptablesOptions {
  action: 'reject' | 'drop';
  backend?: IptablesBackend;
}

// REJECT --reject-with tcp-reset (peers: refused at once) or DROP (peers: connect timeout) on
// tcp/25, after unrelated rules that must survive any fix.
export async function injectIptablesBlock25(host: Host, opts: IptablesOptions): Promise<IptablesFault> {
  const backend = opts.backend ?? 'nft';
  const ipt = iptablesBinary(backend);
  for (const rule of UNRELATED_RULES) await host.execOk([ipt, ...rule]);
  const target = opts.action === 'reject' ? ['REJECT', '--reject-with', 'tcp-reset'] : ['DROP'];
  await host.execOk([ipt, '-A', 'INPUT', '-p', 'tcp', '-m', 'tcp', '--dport', '25', '-j', ...target]);
  return { kind: 'iptables', backend, action: opts.action, unrelatedRules: [...UNRELATED_RULE_LINES] };
}

export interface NftablesFault {
  kind: 'nftables';
  table: string;
  action: 'drop' | 'reject-icmpx';
  configFile: string;
}

export const NFT_TABLE = 'inet local_filter';

// A table of its own, in the running ruleset and persisted in /etc/nftables.conf (Debian's
// default file plus the table), so it survives a reload or reboot.
export async function injectNftablesBlock25(host: Host, action: 'drop' | 'reject-icmpx'): Promise<NftablesFault> {
  const verdict = action === 'drop' ? 'drop' : 'reject with icmpx type admin-prohibited';
  const base = await host.readFile('/etc/nftables.conf').catch(() => '#!/usr/sbin/nft -f\n\nflush ruleset\n');
  const table = [
    '',
    `table ${NFT_TABLE} {`,
    '\tchain input {',
    '\t\ttype filter hook input priority filter; policy accept;',
    `\t\ttcp dport 25 ${verdict}`,
    '\t}',
    '}',
    '',
  ].join('\n');
  await host.writeFile('/etc/nftables.conf', `${base.trimEnd()}\n${table}`, 0o755);
  await host.execOk(['nft', '-f', '/etc/nftables.conf']);
  if (host.kind === 'nspawn') await host.execOk(['systemctl', 'enable', 'nftables.service']);
  return { kind: 'nftables', table: NFT_TABLE, action, configFile: '/etc/nftables.conf' };
}

export interface UfwFault {
  kind: 'ufw';
}

// ufw enabled with its default (deny incoming) and only ssh allowed: peers time out on :25.
export async function injectUfwDenyIncoming(host: Host): Promise<UfwFault> {
  await host.execOk(['ufw', 'allow', '22/tcp'], { timeoutMs: 30_000 });
  await host.execOk(['ufw', '--force', 'enable'], { timeoutMs: 30_000 });
  return { kind: 'ufw' };
}

export interface FirewalldFault {
  kind: 'firewalld';
  defaultZone: string;
  // Host pid of firewalld when it was started by hand (namespace host).
  firewalldPid?: number;
}

// firewalld running with its default zone (public: ssh and dhcpv6-client only). Peers get
// EHOSTUNREACH (reject with icmpx admin-prohibited). A namespace host has no systemd, so it
// gets a private system bus and firewalld started by hand, as on such a server.
export async function injectFirewalldPublic(host: Host): Promise<FirewalldFault> {
  let firewalldPid: number | undefined;
  if (host.kind === 'nspawn') {
    await host.execOk(['systemctl', 'enable', '--now', 'firewalld.service'], { timeoutMs: 60_000 });
  } else {
    await host.execOk(['mkdir', '-p', '/run/dbus']);
    await host.execOk(['dbus-daemon', '--system', '--fork']);
    firewalldPid = await startDaemon(host, ['firewalld', '--nofork', '--nopid'], '/var/log/firewalld.out');
  }
  await pollUntil(
    async () => ((await host.exec(['firewall-cmd', '--state'])).stdout.trim() === 'running' ? true : undefined),
    { timeoutMs: 30_000, intervalMs: 100, what: `${host.name}: firewall-cmd --state = running` },
  );
  const defaultZone = (await host.execOk(['firewall-cmd', '--get-default-zone'])).stdout.trim();
  const fault: FirewalldFault = { kind: 'firewalld', defaultZone };
  if (firewalldPid !== undefined) fault.firewalldPid = firewalldPid;
  return fault;
}

export interface MixedBackendsFault {
  kind: 'iptables-mixed-backends';
}

// iptables-nft shows an ACCEPT for :25 (what `iptables -L` displays on Debian 12, plus a
// warning that legacy tables exist) while a legacy-table DROP is what actually stops the
// traffic: peers time out.
export async function injectMixedIptablesBackends(host: Host): Promise<MixedBackendsFault> {
  await host.execOk(['iptables-nft', '-A', 'INPUT', '-p', 'tcp', '-m', 'tcp', '--dport', '25', '-j', 'ACCEPT']);
  await host.execOk(['iptables-legacy', '-A', 'INPUT', '-p', 'tcp', '-m', 'tcp', '--dport', '25', '-j', 'DROP']);
  return { kind: 'iptables-mixed-backends' };
}
