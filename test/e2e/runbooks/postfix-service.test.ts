import { injectPostfixStopped } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

describeScenario({
  title: 'postfix stopped (no service manager)',
  inject: (h) => injectPostfixStopped(h),
  cause: 'postfix-stopped',
  runbooks: ['postfix-service'],
  brokenPeer: ['refused'],
});
