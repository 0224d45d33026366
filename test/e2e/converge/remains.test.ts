// A layer no runbook may fix — above --max-risk, or only a human can remove it — does not undo the
// layers that were fixed: they are kept (each proved its own layer), the run ends exit 4 and
// names what still blocks, from a fresh diagnosis. And a host whose only interface is loopback
// (some containers) keeps its inet_interfaces fix: its own layer is provable there.
import assert from 'node:assert/strict';
import { LabHost, injectIptablesBlock25, injectListenerHolds25, injectLoopbackOnly, injectNftablesBlock25, injectPostfixStopped, link, postfixIsRunning, runCli, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';
import { restorableState } from '../scenario.js';
import { describeConcurrently } from './stacked.js';

interface Report {
  status: string;
  needsHuman: string[];
  steps: Array<{ runbook: string; status: string }>;
  rollback: unknown;
  proof: { ok: boolean; checks: Array<{ name: string; ok: boolean | null }>; blocking: Array<{ cause?: string }> } | null;
  verifications: Array<{ name: string; ok: boolean | null; evidence: string[] }>;
}

async function withLab<T>(name: string, inject: (h: Host) => Promise<unknown>, body: (host: Host, peer: Host, net: LinkInfo) => Promise<T>): Promise<T> {
  const host = await LabHost.create({ name });
  const peer = await LabHost.create({ name: `${name}-p`, postfix: false });
  try {
    const net = await link(host, peer);
    await inject(host);
    return await body(host, peer, net);
  } finally {
    await peer.destroy();
    await host.destroy();
  }
}

describeConcurrently('e2e: what no runbook may fix leaves the fixed layers in place', [
  {
    title: '--max-risk low on Postfix stopped + iptables REJECT: the service is fixed and kept, the firewall declined; exit 4 naming the firewall layer',
    run: () =>
      withLab(
        'remain-risk',
        async (h) => {
          await injectPostfixStopped(h);
          await injectIptablesBlock25(h, { action: 'reject' });
        },
        async (host, peer, net) => {
          const broken = await restorableState(host);
          const r = await runCli(host, ['run', '--yes', '--max-risk', 'low', '--json', '--offline'], { timeoutMs: 150_000 });
          const report = r.json as Report;
          assert.equal(r.code, 4, `${r.stderr}\n${r.stdout}`);
          assert.equal(report.status, 'changed');
          assert.equal(report.rollback, null, 'nothing rolled back for the layer that was not fixed');
          assert.deepEqual(report.steps.map((x) => [x.runbook, x.status]), [['postfix-service', 'changed'], ['firewall', 'skipped']]);
          assert.ok(report.needsHuman.includes('firewall: skipped because step 2 ("open the mail ports") was not applied'), report.needsHuman.join('\n'));
          assert.ok(report.needsHuman.some((n) => /^clients are still refused \(end-to-end: Postfix greets on this host's own addresses .*\): the firewall layer still blocks: .* \(firewall-blocks-smtp\)$/.test(n)), report.needsHuman.join('\n'));
          assert.ok(await postfixIsRunning(host), 'the service layer is kept');
          assert.equal((await smtpProbe(peer, net.aAddr, 25, 2500)).kind, 'refused', 'the REJECT still answers the peer');
          assert.equal((await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 })).code, 0);
          assert.deepEqual(await restorableState(host), broken);
        },
      ),
  },
  {
    title: 'an unknown program on 25 + nftables DROP: one chain (no service runbook for its consequence); the firewall is fixed and kept; exit 4 naming the port owner',
    run: () =>
      withLab('remain-owner', injectListenerHolds25, async (host, peer, net) => {
        // Alone, the port owner is a cause only a human can remove: diagnose exits 4, offers nothing.
        const alone = await runCli(host, ['diagnose', '--json', '--offline']);
        const d = alone.json as { topCause: { cause: string }; fixes: Array<{ runbook: string }>; findings: Array<{ cause?: string; explainedBy?: string; fixedBy: string[] }> };
        assert.equal(alone.code, 4, alone.stdout);
        assert.equal(d.topCause.cause, 'port-held-by-unknown');
        assert.deepEqual(d.fixes, []);
        const stopped = d.findings.filter((f) => f.cause === 'postfix-stopped');
        assert.ok(stopped.length > 0 && stopped.every((f) => f.explainedBy === 'port-held-by-unknown' && f.fixedBy.length === 0), JSON.stringify(stopped));
        const text = await runCli(host, ['diagnose', '--offline']);
        assert.match(text.stdout, /↳ a consequence of port-held-by-unknown: fixing the cause above fixes this/);
        const idle = await runCli(host, ['run', '--yes', '--json', '--offline']);
        assert.equal(idle.code, 4);
        assert.equal((idle.json as Report).status, 'needs-human');

        await injectNftablesBlock25(host, 'drop');
        const broken = await restorableState(host, (h) => h.readFile('/etc/nftables.conf'));
        const r = await runCli(host, ['run', '--yes', '--json', '--offline'], { timeoutMs: 150_000 });
        const report = r.json as Report;
        assert.equal(r.code, 4, `${r.stderr}\n${r.stdout}`);
        assert.deepEqual(report.steps.filter((x) => x.status === 'changed').map((x) => x.runbook), ['firewall']);
        assert.ok(!report.steps.some((x) => x.runbook === 'postfix-service'), 'no service runbook for a symptom whose root it cannot remove');
        assert.equal(report.proof?.blocking[0]?.cause, 'port-held-by-unknown');
        assert.ok(report.needsHuman.some((n) => /^clients are still refused \(end-to-end: .*\): the port owner layer still blocks: python3 \(pid \d+\) holds port 25/.test(n)), report.needsHuman.join('\n'));
        assert.equal((await smtpProbe(peer, net.aAddr, 25, 2500)).kind, 'banner-timeout', 'the firewall lets the peer through now: it reaches the program on 25');
        assert.equal((await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 })).code, 0);
        assert.deepEqual(await restorableState(host, (h) => h.readFile('/etc/nftables.conf')), broken);
      }),
  },
  {
    title: 'a host whose only interface is loopback: the inet_interfaces fix is proven from the listening sockets and kept (exit 0)',
    run: async () => {
      const host = await LabHost.create({ name: 'remain-lo' });
      try {
        await injectLoopbackOnly(host);
        const broken = await restorableState(host);
        const r = await runCli(host, ['run', '--yes', '--json', '--offline', '--detailed-exitcodes'], { timeoutMs: 150_000 });
        const report = r.json as Report;
        assert.equal(r.code, 10, `${r.stderr}\n${r.stdout}`);
        const listener = report.verifications.find((v) => v.name === 'Postfix listens on port 25 on the requested interfaces');
        assert.equal(listener?.ok, true, JSON.stringify(report.verifications));
        assert.ok(listener?.evidence.some((e) => /^0\.0\.0\.0:25 held by master/.test(e)), listener?.evidence.join('\n'));
        assert.equal(report.proof?.ok, true, JSON.stringify(report.proof));
        assert.equal(report.proof?.checks[0]?.name, 'Postfix greets on 127.0.0.1 (this host has no other address) (25)');
        const ss = await host.execOk(['ss', '-Hltn', 'sport', '=', ':25']);
        assert.match(ss.stdout, /0\.0\.0\.0:25/);
        assert.equal((await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 })).code, 0);
        assert.deepEqual(await restorableState(host), broken);
      } finally {
        await host.destroy();
      }
    },
  },
]);
