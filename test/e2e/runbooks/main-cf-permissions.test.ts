import assert from 'node:assert/strict';
import { injectMainCfPermissions } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

const modes = async (h: Host): Promise<string> => (await h.execOk(['stat', '-c', '%n %U:%G %a', '/etc/postfix/main.cf', '/etc/postfix/master.cf'])).stdout;

// Wrong ownership/mode never makes Postfix refuse connections (measured): the peer gets a banner
// throughout; what the fix must prove is `postfix check` clean and the modes restored.
for (const variant of ['insecure', 'unreadable'] as const) {
  describeScenario({
    title: `main.cf ${variant}`,
    inject: (h) => injectMainCfPermissions(h, variant),
    cause: 'main-cf-permissions',
    runbooks: ['main-cf-permissions'],
    brokenPeer: ['banner'],
    extraState: modes,
    async afterFix({ host }) {
      assert.match(await modes(host), /main\.cf root:root 644\n.*master\.cf root:root 644/);
      const check = await host.exec(['postfix', 'check']);
      assert.doesNotMatch(check.stdout + check.stderr, /not owned by root|writable/);
    },
  });
}
