import { banAddress, fail2banOf, startFail2ban } from '../fail2ban.js';
import type { Fail2banBanaction, Fail2banInstance, Fail2banOptions } from '../fail2ban.js';
import type { Host } from '../host-types.js';

export interface Fail2banBanOptions extends Fail2banOptions {
  // The jail that bans (default postfix).
  jail?: string;
  // Unrelated addresses banned as well, which a fix for the peer must leave banned.
  alsoBan?: readonly string[];
}

export interface Fail2banFault {
  kind: 'fail2ban-ban';
  jail: string;
  peerAddr: string;
  // Every address banned by this injection, the peer first.
  banned: string[];
  banaction: Fail2banBanaction;
  ignoreip: string[];
  bantime?: number | string;
  fail2ban: Fail2banInstance;
}

// fail2ban has banned the client: its jail's firewall rule (iptables chain f2b-JAIL, or the
// nftables set addr-set-JAIL) rejects it on 25, 465 and 587 with icmp port-unreachable, so the
// peer sees "connection refused" on every mail port while other clients get the banner.
// Starts fail2ban with opts unless it already runs in the host (then opts other than jail and
// alsoBan are ignored: the running configuration stays).
export async function injectFail2banBan(host: Host, peerAddr: string, opts: Fail2banBanOptions = {}): Promise<Fail2banFault> {
  const jail = opts.jail ?? 'postfix';
  const fail2ban = fail2banOf(host) ?? (await startFail2ban(host, opts));
  if (!fail2ban.jails.includes(jail)) throw new Error(`${host.name}: fail2ban has no jail ${jail} (${fail2ban.jails.join(', ')})`);
  const banned = [peerAddr, ...(opts.alsoBan ?? [])];
  for (const addr of banned) await banAddress(host, jail, addr);
  const fault: Fail2banFault = {
    kind: 'fail2ban-ban',
    jail,
    peerAddr,
    banned,
    banaction: fail2ban.banaction,
    ignoreip: fail2ban.ignoreip,
    fail2ban,
  };
  if (fail2ban.bantime !== undefined) fault.bantime = fail2ban.bantime;
  return fault;
}
