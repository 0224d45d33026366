// The chroot's copy of /etc/hosts gone stale on real Postfix: the admin names a partner in
// /etc/hosts (the server refuses clients without a name) and reloads, but chrooted smtpd reads
// /var/spool/postfix/etc/hosts, which only a full start refreshes. The partner keeps getting
// 450 4.7.25 — a reload does not help; the runbook copies the file as Debian's start script does,
// and rollback puts the old copy back byte for byte.
import assert from 'node:assert/strict';
import { injectStaleChrootCopies, mailDialogue, postfixReload } from '../lab/index.js';
import { describeScenario } from '../scenario.js';
import type { ScenarioContext } from '../scenario.js';

const CHROOT_HOSTS = '/var/spool/postfix/etc/hosts';

async function partnerMail({ host, peer, net }: ScenarioContext) {
  return mailDialogue(peer, net.aAddr, { from: 'orders@partner.test', to: `postmaster@${host.name}.lab.test` });
}

async function partnerRefused(ctx: ScenarioContext): Promise<void> {
  const seen = await partnerMail(ctx);
  assert.equal(seen.refusedAt, 'rcpt', JSON.stringify(seen.replies));
  assert.equal(seen.replies.rcpt?.code, 450);
  assert.match(seen.replies.rcpt?.text ?? '', /4\.7\.25 Client host rejected: cannot find your hostname/);
}

describeScenario({
  title: 'chroot copy of /etc/hosts stale',
  async inject(host, ctx) {
    // The server's own address has a name too, as on a real mail server: only the partner, named
    // after the last start, is unknown to smtpd.
    const own = `${ctx.net.aAddr}\t${host.name}.lab.test ${host.name}`;
    await host.writeFile('/etc/hosts', `${(await host.readFile('/etc/hosts')).trimEnd()}\n${own}\n`, 0o644);
    const fault = await injectStaleChrootCopies(host, { peerAddr: ctx.net.bAddr });
    await partnerRefused(ctx);
    // A reload alone (what most guides say after editing /etc/hosts) changes nothing.
    await postfixReload(host);
    await partnerRefused(ctx);
    return fault;
  },
  cause: 'chroot-copies-stale',
  runbooks: ['chroot-sync'],
  brokenPeer: ['banner'],
  relayRefused: true,
  peerBroken: partnerRefused,
  onPlan(plan) {
    const steps = (plan as { runbooks: Array<{ id: string; steps: Array<{ risk: string; change?: { diff: string[] } }> }> }).runbooks.find((r) => r.id === 'chroot-sync')?.steps ?? [];
    const diff = steps[0]?.change?.diff.join('\n') ?? '';
    assert.equal(steps[0]?.risk, 'low');
    assert.match(diff, /~ cp \/etc\/hosts \/var\/spool\/postfix\/etc\/hosts; chmod a\+rX/, diff);
    assert.match(diff, /\+10\.231\.\d+\.2\tmail\.partner\.test/, diff);
  },
  async afterFix(ctx) {
    const seen = await partnerMail(ctx);
    assert.equal(seen.refusedAt, undefined, JSON.stringify(seen.replies));
    assert.equal(seen.replies.rcpt?.code, 250);
    assert.equal(await ctx.host.readFile(CHROOT_HOSTS), await ctx.host.readFile('/etc/hosts'));
    assert.equal((await ctx.host.execOk(['stat', '-c', '%a %U', CHROOT_HOSTS])).stdout.trim(), '644 root');
  },
  extraState: async (h) => `${(await h.execOk(['stat', '-c', '%a %U:%G %s', CHROOT_HOSTS])).stdout}${await h.readFile(CHROOT_HOSTS)}`,
});
