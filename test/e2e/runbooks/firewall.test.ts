// The firewall runbook through the real CLI, one host per backend, judged from the peer: blocked
// the way that firewall blocks (refused / timeout / unreachable), a Postfix banner after `run`,
// and after `rollback --last` every firewall dump byte for byte as before (unrelated rules too).
import { injectFirewalldPublic, injectIptablesBlock25, injectMixedIptablesBackends, injectNftablesBlock25, injectUfwDenyIncoming } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

describeScenario({
  title: 'iptables-nft REJECT on 25 (beside unrelated rules)',
  inject: (h) => injectIptablesBlock25(h, { action: 'reject' }),
  cause: 'firewall-blocks-smtp',
  runbooks: ['firewall'],
  brokenPeer: ['refused'],
});

describeScenario({
  title: 'iptables-nft DROP on 25',
  inject: (h) => injectIptablesBlock25(h, { action: 'drop' }),
  cause: 'firewall-blocks-smtp',
  runbooks: ['firewall'],
  brokenPeer: ['timeout'],
});

describeScenario({
  title: 'iptables-legacy REJECT on 25',
  inject: (h) => injectIptablesBlock25(h, { action: 'reject', backend: 'legacy' }),
  cause: 'firewall-blocks-smtp',
  runbooks: ['firewall'],
  brokenPeer: ['refused'],
});

describeScenario({
  title: 'nftables drop in its own table',
  inject: (h) => injectNftablesBlock25(h, 'drop'),
  cause: 'firewall-blocks-smtp',
  runbooks: ['firewall'],
  brokenPeer: ['timeout'],
  extraState: async (h) => h.readFile('/etc/nftables.conf'),
});

describeScenario({
  title: 'nftables reject icmpx admin-prohibited',
  inject: (h) => injectNftablesBlock25(h, 'reject-icmpx'),
  cause: 'firewall-blocks-smtp',
  runbooks: ['firewall'],
  brokenPeer: ['unreachable'],
  extraState: async (h) => h.readFile('/etc/nftables.conf'),
});

describeScenario({
  title: 'ufw enabled, default deny incoming',
  inject: (h) => injectUfwDenyIncoming(h),
  cause: 'firewall-blocks-smtp',
  runbooks: ['firewall'],
  brokenPeer: ['timeout'],
  extraState: async (h) => (await h.execOk(['sh', '-c', 'cat /etc/ufw/user.rules /etc/ufw/user6.rules'])).stdout,
});

describeScenario({
  title: 'firewalld default zone without smtp',
  inject: (h) => injectFirewalldPublic(h),
  cause: 'firewall-blocks-smtp',
  runbooks: ['firewall'],
  brokenPeer: ['unreachable'],
  extraState: async (h) => (await h.exec(['sh', '-c', 'cd /etc/firewalld/zones && for f in *; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done'])).stdout,
});

// The port is opened where it is blocked; which of the two rule sets to keep is a decision the
// report leaves to a human (exit 4, firewall-mixed-backends), never a silent flush.
describeScenario({
  title: 'mixed iptables-legacy and iptables-nft tables',
  inject: (h) => injectMixedIptablesBackends(h),
  cause: 'firewall-blocks-smtp',
  runbooks: ['firewall'],
  runExit: 4,
});
