// The same runbooks on a host with real systemd as PID 1 (systemd-nspawn, Debian bookworm):
// here the service module goes through systemctl, and the unit states are part of what a
// rollback must restore byte for byte.
import assert from 'node:assert/strict';
import { injectEximService, injectPostfixDisabled } from '../lab/index.js';
import { describeScenario } from '../scenario.js';

describeScenario({
  title: 'systemd: postfix stopped and disabled',
  kind: 'nspawn',
  inject: (h) => injectPostfixDisabled(h),
  cause: 'postfix-stopped',
  runbooks: ['postfix-service'],
  brokenPeer: ['refused'],
  async afterFix({ host }) {
    assert.equal((await host.exec(['systemctl', 'is-enabled', 'postfix.service'])).stdout.trim(), 'enabled');
    assert.equal((await host.exec(['systemctl', 'is-active', 'postfix@-.service'])).stdout.trim(), 'active');
    // One audit line per change, where auditors look: the system journal.
    const journal = (await host.exec(['journalctl', '-t', 'postfix-fix', '--no-pager', '-o', 'cat'])).stdout;
    assert.match(journal, /^run \d{8}T\d{6}Z-[0-9a-f]{4}: step \d+ \[postfix-service\] start Postfix and enable it at boot: /m);
  },
});

describeScenario({
  title: 'systemd: exim4.service took port 25',
  kind: 'nspawn',
  inject: (h) => injectEximService(h),
  cause: 'port-held-by-mta',
  runbooks: ['port-conflict'],
  brokenPeer: ['banner'],
  async afterFix({ host }) {
    assert.equal((await host.exec(['systemctl', 'is-enabled', 'exim4.service'])).stdout.trim(), 'masked', 'exim4 must not come back at boot');
    assert.equal((await host.exec(['systemctl', 'is-active', 'exim4.service'])).stdout.trim(), 'inactive');
  },
});
