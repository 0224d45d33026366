import { injectIpv6Less } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

// IPv6 off in the kernel, inet_protocols = all and inet_interfaces = localhost (which names ::1):
// Postfix cannot start ("no local interface found for ::1") — the only configuration in which a
// missing IPv6 really breaks Postfix (measured in the lab). The plan chains three fixes: IPv4
// only, start Postfix, and listen beyond loopback.
describeScenario({
  title: 'inet_protocols = all on a host without IPv6',
  inject: (h) => injectIpv6Less(h),
  cause: 'inet-protocols-ipv6-missing',
  runbooks: ['inet-protocols', 'postfix-service', 'inet-interfaces'],
  brokenPeer: ['refused'],
});
