// Who owns the port (another MTA), and a firewall — and three layers at once. The port owner's runbook starts Postfix itself: "Postfix not running" is its
// consequence, not a second cause (no postfix-service round).
import { injectEximHolds25, injectIptablesBlock25, injectLoopbackOnly, injectNftablesBlock25, injectPostfixStopped } from '../lab/index.js';
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
    title: 'stopped + loopback-only + nftables drop',
    inject: async (h) => {
      await injectLoopbackOnly(h);
      await injectPostfixStopped(h);
      await injectNftablesBlock25(h, 'drop');
    },
    causes: ['postfix-stopped', 'loopback-only', 'firewall-blocks-smtp'],
    runbooks: ['postfix-service', 'inet-interfaces', 'firewall'],
    brokenPeer: ['timeout'],
    extraState: (h) => h.readFile('/etc/nftables.conf'),
    plan: true,
  },
]);
