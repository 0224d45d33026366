// SELinux with the lab's SELinux STAND-IN (test/e2e/lab/standins/selinux): this kernel has no
// SELinux, so getenforce/setenforce/semanage/ausearch are small programs over a state file. The
// engine calls the real command names; what is proven here is the engine's behaviour (durable
// fix first, permissive only on request, enforcing restored by the deadline even when
// postfix-fix is SIGKILLed). The real kernel enforcement is proven in `npm run test:selinux`.
import assert from 'node:assert/strict';
import { LabHost, NspawnHost, injectSelinuxDeniesPort, installSelinuxStandin, pollUntil, runCli, selinuxStandinState } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import type { Plan } from '../../../src/engine/plan-types.js';
import { describeScenario } from '../scenario.js';

describeScenario({
  title: 'SELinux (stand-in) denies port 2525',
  distro: 'rocky-9.4',
  inject: (h) => injectSelinuxDeniesPort(h, 2525),
  cause: 'selinux-denials',
  runbooks: ['selinux'],
  brokenPeer: ['refused'],
  extraState: async (h) => JSON.stringify(await selinuxStandinState(h).then((s) => ({ mode: s.mode, ports: s.ports }))),
  async afterFix({ host }) {
    const st = await selinuxStandinState(host);
    assert.match(st.ports, /^smtp_port_t tcp 2525$/m, 'the durable fix labelled the denied port');
    assert.equal(st.mode, 'Enforcing', 'SELinux was never switched off');
    assert.equal(st.history, '', 'no setenforce at all without confirm_permissive');
  },
});

describe('e2e: SELinux (stand-in) temporary permissive mode always ends', function () {
  this.timeout(180_000);

  it('with confirm_permissive, enforcing is restored at the end of the run', async () => {
    const h = await LabHost.create({ name: 'se-confirm' });
    try {
      await injectSelinuxDeniesPort(h);
      const r = await runCli(h, ['run', '--yes', '--max-risk', 'high', '--offline', '--json', '--var', 'confirm_permissive=true']);
      const report = r.json as { needsHuman?: unknown; remaining?: unknown } | undefined;
      assert.equal(r.code, 0, `needsHuman ${JSON.stringify(report?.needsHuman)}; remaining ${JSON.stringify(report?.remaining)}\n${r.stderr}`);
      const st = await selinuxStandinState(h);
      assert.equal(st.mode, 'Enforcing');
      assert.match(st.history, /^\d+ Permissive\n\d+ Enforcing\n$/);
    } finally {
      await h.destroy();
    }
  });

  for (const kind of ['namespace', 'nspawn'] as const) {
    it(`SIGKILLed right after setenforce 0, enforcing comes back by the deadline (${kind === 'nspawn' ? 'systemd timer' : 'detached watchdog'})`, async function () {
      if (kind === 'nspawn') this.timeout(300_000);
      const h: Host = kind === 'nspawn' ? await NspawnHost.create({ name: 'se-kill-sd' }) : await LabHost.create({ name: 'se-kill' });
      try {
        if (kind === 'nspawn') await installSelinuxStandin(h);
        else await injectSelinuxDeniesPort(h);
        const deadline = 12;
        // Only the selinux runbook; the process SIGKILLs itself the moment `setenforce 0` is
        // journaled as applied (the failpoint hook): no race with a run that restores first.
        const args = ['--offline', '--runbook', 'selinux', '--var', 'confirm_permissive=true', '--var', `permissive_seconds=${deadline}`];
        const planned = (await runCli(h, ['plan', '--format', 'json', ...args])).json as Plan;
        const seq = planned.runbooks.flatMap((r) => r.steps).find((s) => s.module === 'selinux-permissive')?.seq;
        assert.ok(seq !== undefined, 'the plan has the permissive step');
        const result = await runCli(h, ['run', '--yes', '--max-risk', 'high', ...args], { timeoutMs: 120_000, env: { POSTFIX_FIX_FAILPOINT: `step-applied:${seq}` } });
        const killedAt = Date.now();
        assert.notEqual(result.code, 0, 'the run was killed');
        assert.equal((await selinuxStandinState(h)).mode, 'Permissive', 'still permissive right after the kill');
        await pollUntil(async () => ((await selinuxStandinState(h)).mode === 'Enforcing' ? true : undefined), { timeoutMs: (deadline + 20) * 1000, intervalMs: 250, what: 'enforcing restored by the guard' });
        const took = (Date.now() - killedAt) / 1000;
        assert.ok(took <= deadline + 15, `restored ${took.toFixed(1)} s after the kill (deadline ${deadline} s)`);
        const list = await runCli(h, ['rollback', '--list', '--json']);
        const runs = (list.json as { runs: Array<{ status: string }> }).runs;
        assert.match(runs[runs.length - 1]?.status ?? '', /no end record/);
      } finally {
        await h.destroy();
      }
    });
  }
});
