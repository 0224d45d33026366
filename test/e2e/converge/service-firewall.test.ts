// Postfix stopped, and a firewall blocking 25 — each firewall backend. Fixed by one run in layer
// order (service, then firewall), judged from a peer, undone by one rollback.
import { injectFirewalldPublic, injectIptablesBlock25, injectNftablesBlock25, injectPostfixStopped, injectUfwDenyIncoming } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { describeStacked } from './stacked.js';

const stoppedAnd = (block: (h: Host) => Promise<unknown>) => async (h: Host): Promise<void> => {
  await injectPostfixStopped(h);
  await block(h);
};
const causes = ['postfix-stopped', 'firewall-blocks-smtp'];
const runbooks = ['postfix-service', 'firewall'];

describeStacked('Postfix stopped × each firewall backend', [
  { title: 'stopped + iptables-nft REJECT', inject: stoppedAnd((h) => injectIptablesBlock25(h, { action: 'reject' })), causes, runbooks, brokenPeer: ['refused'], plan: true },
  { title: 'stopped + iptables-legacy DROP', inject: stoppedAnd((h) => injectIptablesBlock25(h, { action: 'drop', backend: 'legacy' })), causes, runbooks, brokenPeer: ['timeout'] },
  { title: 'stopped + nftables reject', inject: stoppedAnd((h) => injectNftablesBlock25(h, 'reject-icmpx')), causes, runbooks, brokenPeer: ['unreachable'], extraState: (h) => h.readFile('/etc/nftables.conf') },
  {
    title: 'stopped + ufw deny incoming',
    inject: stoppedAnd(injectUfwDenyIncoming),
    causes,
    runbooks,
    brokenPeer: ['timeout'],
    extraState: async (h) => (await h.execOk(['sh', '-c', 'cat /etc/ufw/user.rules /etc/ufw/user6.rules'])).stdout,
  },
  {
    title: 'stopped + firewalld public zone',
    inject: stoppedAnd(injectFirewalldPublic),
    causes,
    runbooks,
    brokenPeer: ['unreachable'],
    extraState: async (h) => (await h.exec(['sh', '-c', 'cd /etc/firewalld/zones && for f in *; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done'])).stdout,
  },
]);
