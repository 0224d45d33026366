// A cause hidden behind another: Postfix is stopped, and once running it would still refuse its
// clients — its smtpd dies at start-up (SASL switched on with no Dovecot socket), or a
// maintenance refusal was left on (every client greeted with 554). Nothing says so while Postfix
// is stopped, so the plan lists only the service, and says in one line what may show later.
// Starting Postfix reveals it; the run diagnoses again after that round:
//   - with no runbook for it, the service fix is kept and the run ends exit 4, naming it;
//   - with a site runbook for it (`--runbooks DIR`), a second round fixes it in the same run,
//     and one rollback undoes both rounds;
//   - `apply` of a saved plan stops at what the plan lists, unless --converge.
import assert from 'node:assert/strict';
import { LabHost, link, postfixIsRunning, runCli, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';
import { restorableState } from '../scenario.js';
import { SITE_RUNBOOKS, injectStoppedHidingSmtpdFatal, injectStoppedInMaintenance } from './hidden-cause.js';
import { describeConcurrently, proveStacked } from './stacked.js';

interface Report {
  status: string;
  needsHuman: string[];
  rounds: Array<{ round: number; runbooks: string[]; causes: string[] }>;
  proof: { ok: boolean; blocking: Array<{ cause?: string }> } | null;
  steps: Array<{ runbook: string; status: string }>;
}

async function withLab<T>(name: string, inject: (h: Host) => Promise<void>, body: (host: Host, peer: Host, net: LinkInfo) => Promise<T>): Promise<T> {
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

describeConcurrently('e2e: a cause that shows only after a fix', [
  {
    title: 'no runbook can fix what starting Postfix revealed: Postfix started and kept, exit 4 naming the SASL backend smtpd dies without',
    run: () =>
      withLab('hidden-none', (h) => injectStoppedHidingSmtpdFatal(h, false), async (host, peer, net) => {
        const broken = await restorableState(host);
        const plan = await runCli(host, ['plan', '--json', '--offline']);
        const p = plan.json as { runbooks: Array<{ id: string; status: string; blockedReason?: string }>; stacking?: string };
        // Dovecot's socket is missing whether Postfix runs or not: the plan sees it up front, and no
        // service manager here knows a unit to start for it.
        assert.deepEqual(p.runbooks.map((rb) => [rb.id, rb.status]), [['postfix-service', 'ready'], ['dependency-services', 'blocked']]);
        assert.match(p.runbooks[1]?.blockedReason ?? '', /down_unserved = \["private\/auth"\]/);
        assert.match(p.stacking ?? '', /^Postfix is not running now: what it says to clients \(the greeting, mail to postmaster\) can only be heard once it runs/);

        const r = await runCli(host, ['run', '--yes', '--json', '--offline'], { timeoutMs: 150_000 });
        const report = r.json as Report;
        assert.equal(r.code, 4, `${r.stderr}\n${r.stdout}`);
        assert.equal(report.status, 'changed');
        assert.deepEqual(report.rounds.map((x) => x.runbooks), [['postfix-service']]);
        assert.ok(report.needsHuman.some((n) => /gives no banner: smtpd dies at start-up \(fatal: no SASL authentication mechanisms\)/.test(n)), report.needsHuman.join('\n'));
        // The root: Dovecot's socket missing, which the fatal line is about, and why its runbook could not start it.
        assert.ok(report.needsHuman.some((n) => /^dependency-services: precondition failed: .*down_unserved = \["private\/auth"\]/.test(n)), report.needsHuman.join('\n'));
        assert.ok(report.needsHuman.some((n) => /the dependencies layer still blocks: SASL backend private\/auth \(smtpd_sasl_path\) does not answer/.test(n)), report.needsHuman.join('\n'));
        assert.ok(report.needsHuman.some((n) => /^clients are still refused \(end-to-end: .*\): the dependencies layer still blocks/.test(n)), report.needsHuman.join('\n'));
        assert.equal(report.proof?.blocking[0]?.cause, 'sasl-backend-unreachable');
        assert.ok(await postfixIsRunning(host), 'the service layer, proven, is kept');
        assert.equal((await smtpProbe(peer, net.aAddr, 25, 2500)).kind, 'banner-timeout', 'the peer now connects (the service is up) and hears nothing (smtpd dies)');

        const rb = await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 });
        assert.equal(rb.code, 0, rb.stdout);
        assert.deepEqual(await restorableState(host), broken);
      }),
  },
  {
    title: 'saved plan: apply stops at what the plan lists (exit 4, says why); apply --converge fixes what it revealed too',
    run: () =>
      withLab('hidden-apply', (h) => injectStoppedInMaintenance(h, true), async (host, peer, net) => {
        const broken = await restorableState(host);
        const site = ['--runbooks', SITE_RUNBOOKS];
        const made = await runCli(host, ['plan', '--offline', '--out', '/root/plan.json', ...site]);
        assert.equal(made.code, 0, made.stderr);
        assert.match(made.stdout, /^Later: Postfix is not running now/m);

        const a = await runCli(host, ['apply', '/root/plan.json', '--json', ...site], { timeoutMs: 150_000 });
        const applied = a.json as Report;
        assert.equal(a.code, 4, `${a.stderr}\n${a.stdout}`);
        assert.deepEqual(applied.rounds.map((x) => x.runbooks), [['postfix-service']]);
        assert.ok(applied.needsHuman.includes('end-maintenance: revealed after the saved plan, which does not list it (apply --converge would run it, or run a new plan)'), applied.needsHuman.join('\n'));
        assert.ok(!applied.steps.some((x) => x.runbook === 'end-maintenance'));

        assert.equal((await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 })).code, 0);
        assert.deepEqual(await restorableState(host), broken, 'back where the plan was made');

        const c = await runCli(host, ['apply', '/root/plan.json', '--converge', '--json', '--detailed-exitcodes', ...site], { timeoutMs: 150_000 });
        const converged = c.json as Report;
        assert.equal(c.code, 10, `${c.stderr}\n${c.stdout}`);
        assert.deepEqual(converged.rounds.map((x) => [x.round, x.runbooks, x.causes]), [[1, ['postfix-service'], ['postfix-stopped']], [2, ['end-maintenance'], ['smtp-banner-rejects']]]);
        assert.equal(converged.proof?.ok, true);
        const seen = await smtpProbe(peer, net.aAddr, 25, 3000);
        assert.equal(seen.kind, 'banner', JSON.stringify(seen));

        assert.equal((await runCli(host, ['rollback', '--last'], { timeoutMs: 120_000 })).code, 0);
        assert.deepEqual(await restorableState(host), broken, 'one rollback undid both rounds');
      }),
  },
  {
    title: 'a site runbook for it: fixed in a second round of the same run, proven from a peer; idempotent; one rollback undoes both rounds',
    run: () =>
      proveStacked({
        title: 'hidden-two-rounds',
        inject: (h) => injectStoppedInMaintenance(h, true),
        causes: ['postfix-stopped'],
        upFront: ['postfix-service'],
        runbooks: ['postfix-service', 'end-maintenance'],
        args: ['--runbooks', SITE_RUNBOOKS],
        brokenPeer: ['refused'],
        plan: true,
      }),
  },
]);
