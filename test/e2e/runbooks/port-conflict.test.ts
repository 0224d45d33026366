import assert from 'node:assert/strict';
import { injectEximHolds25, injectForeignMasterLock, injectListenerHolds25, injectStaleMasterPid, runCli } from '../lab/index.js';
import { describeNeedsHuman, describeScenario } from '../scenario.js';

// A real exim4 (Debian's binaries) holds :25 in a container without a service manager: its
// daemon is stopped by pid; rollback starts it again with its own command line.
describeScenario({
  title: 'exim4 holds port 25',
  inject: (h) => injectEximHolds25(h),
  cause: 'port-held-by-mta',
  runbooks: ['port-conflict'],
  brokenPeer: ['banner'],
});

describeScenario({
  title: 'master.pid locked by a foreign process',
  inject: (h) => injectForeignMasterLock(h),
  cause: 'master-pid-locked',
  runbooks: ['port-conflict'],
  brokenPeer: ['refused'],
});

// An unknown program on :25 is never killed.
describeNeedsHuman({
  title: 'an unknown listener holds port 25',
  inject: (h) => injectListenerHolds25(h),
  cause: 'port-held-by-unknown',
  reason: /does not know, so it will not stop it/,
});

// A stale, unlocked master.pid is harmless: the fix starts Postfix and leaves the file alone.
describeScenario({
  title: 'stale unlocked master.pid',
  inject: (h) => injectStaleMasterPid(h),
  cause: 'postfix-stopped',
  runbooks: ['postfix-service'],
  brokenPeer: ['refused'],
  async afterFix({ host }) {
    const plan = await runCli(host, ['plan', '--json', '--offline', '--runbook', 'port-conflict']);
    const steps = (plan.json as { runbooks: Array<{ steps: Array<{ module: string; status: string }> }> }).runbooks[0]?.steps ?? [];
    assert.ok(steps.filter((s) => s.module === 'file').every((s) => s.status === 'skipped'), 'master.pid is never removed when nobody foreign locks it');
  },
});
