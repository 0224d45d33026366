// Postfix listening on loopback only (a fresh install's default on some distros), and a firewall
// blocking 25 — each firewall backend. inet-interfaces proves its own layer from the listening
// sockets (a firewall in front cannot mask it), then the firewall runbook proves the rules; the
// greeting on the host's own address is proven once, at the end.
import { injectFirewalldPublic, injectIptablesBlock25, injectLoopbackOnly, injectNftablesBlock25, injectUfwDenyIncoming } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { describeStacked } from './stacked.js';

const loopbackAnd = (block: (h: Host) => Promise<unknown>) => async (h: Host): Promise<void> => {
  await injectLoopbackOnly(h);
  await block(h);
};
const causes = ['loopback-only', 'firewall-blocks-smtp'];
const runbooks = ['inet-interfaces', 'firewall'];

describeStacked('loopback-only × each firewall backend', [
  { title: 'loopback + iptables-nft DROP', inject: loopbackAnd((h) => injectIptablesBlock25(h, { action: 'drop' })), causes, runbooks, brokenPeer: ['timeout'], plan: true },
  { title: 'loopback + iptables-legacy REJECT', inject: loopbackAnd((h) => injectIptablesBlock25(h, { action: 'reject', backend: 'legacy' })), causes, runbooks, brokenPeer: ['refused'] },
  { title: 'loopback + nftables drop', inject: loopbackAnd((h) => injectNftablesBlock25(h, 'drop')), causes, runbooks, brokenPeer: ['timeout'], extraState: (h) => h.readFile('/etc/nftables.conf') },
  {
    title: 'loopback + ufw deny incoming',
    inject: loopbackAnd(injectUfwDenyIncoming),
    causes,
    runbooks,
    brokenPeer: ['timeout'],
    extraState: async (h) => (await h.execOk(['sh', '-c', 'cat /etc/ufw/user.rules /etc/ufw/user6.rules'])).stdout,
  },
  {
    title: 'loopback + firewalld public zone',
    inject: loopbackAnd(injectFirewalldPublic),
    causes,
    runbooks,
    brokenPeer: ['unreachable'],
    extraState: async (h) => (await h.exec(['sh', '-c', 'cd /etc/firewalld/zones && for f in *; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done'])).stdout,
  },
]);
