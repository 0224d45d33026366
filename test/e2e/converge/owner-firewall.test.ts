// Who owns the port (another MTA, a foreign lock on master.pid), and a firewall — and three
// layers at once. The port owner's runbook starts Postfix itself: "Postfix not running" is its
// consequence, not a second cause (no postfix-service round).
import { MASTER_PID_FILE, injectEximHolds25, injectFirewalldPublic, injectForeignMasterLock, injectIptablesBlock25, injectLoopbackOnly, injectNftablesBlock25, injectPostfixStopped } from '../lab/index.js';
import { describeStacked } from './stacked.js';

describeStacked('port owner × firewall, and three layers at once', [
  {
    title: 'exim holds 25 + nftables DROP',
    inject: async (h) => {
      await injectEximHolds25(h);
      await injectNftablesBlock25(h, 'drop');
    },
    causes: ['port-held-by-mta', 'firewall-blocks-smtp'],
    runbooks: ['port-conflict', 'firewall'],
    brokenPeer: ['timeout'],
    extraState: (h) => h.readFile('/etc/nftables.conf'),
    plan: true,
  },
  {
    title: 'master.pid locked + iptables-legacy DROP',
    inject: async (h) => {
      await injectForeignMasterLock(h);
      await injectIptablesBlock25(h, { action: 'drop', backend: 'legacy' });
    },
    causes: ['master-pid-locked', 'firewall-blocks-smtp'],
    runbooks: ['port-conflict', 'firewall'],
    brokenPeer: ['timeout'],
    extraState: async (h) => (await h.exec(['cat', MASTER_PID_FILE])).stdout,
  },
  {
    title: 'exim + loopback-only + iptables REJECT',
    inject: async (h) => {
      await injectLoopbackOnly(h);
      await injectEximHolds25(h);
      await injectIptablesBlock25(h, { action: 'reject' });
    },
    causes: ['port-held-by-mta', 'loopback-only', 'firewall-blocks-smtp'],
    runbooks: ['port-conflict', 'inet-interfaces', 'firewall'],
    brokenPeer: ['refused'],
  },
  {
    title: 'stopped + loopback-only + firewalld',
    inject: async (h) => {
      await injectLoopbackOnly(h);
      await injectPostfixStopped(h);
      await injectFirewalldPublic(h);
    },
    causes: ['postfix-stopped', 'loopback-only', 'firewall-blocks-smtp'],
    runbooks: ['postfix-service', 'inet-interfaces', 'firewall'],
    brokenPeer: ['unreachable'],
    extraState: async (h) => (await h.exec(['sh', '-c', 'cd /etc/firewalld/zones && for f in *; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done'])).stdout,
  },
]);
