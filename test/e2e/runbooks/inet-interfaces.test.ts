import { injectLoopbackOnly } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

describeScenario({
  title: 'inet_interfaces = loopback-only',
  inject: (h) => injectLoopbackOnly(h, { value: 'loopback-only' }),
  cause: 'loopback-only',
  runbooks: ['inet-interfaces'],
  brokenPeer: ['refused'],
  relayRefused: true,
});

describeScenario({
  title: 'inet_interfaces = 127.0.0.1',
  inject: (h) => injectLoopbackOnly(h, { value: '127.0.0.1' }),
  cause: 'loopback-only',
  runbooks: ['inet-interfaces'],
  brokenPeer: ['refused'],
  relayRefused: true,
});

// mynetworks = 0.0.0.0/0: listening on all interfaces would make an open relay. Only with the
// explicit, high-risk opt-in does the runbook narrow mynetworks; the peer must then be refused
// when it tries to relay.
describeScenario({
  title: 'loopback-only with mynetworks 0.0.0.0/0',
  inject: (h) => injectLoopbackOnly(h, { value: 'loopback-only', unsafeRelay: 'mynetworks-any' }),
  cause: 'loopback-only',
  runbooks: ['inet-interfaces'],
  brokenPeer: ['refused'],
  vars: ['narrow_mynetworks=true'],
  relayRefused: true,
});

describeScenario({
  title: 'loopback-only with a client access map allowing all',
  inject: (h) => injectLoopbackOnly(h, { value: 'loopback-only', unsafeRelay: 'client-access-any' }),
  cause: 'loopback-only',
  runbooks: ['inet-interfaces'],
  brokenPeer: ['refused'],
  relayRefused: true,
});
