// The services smtpd depends on, broken on real components: Debian's OpenDKIM as the milter and
// postgrey as the policy service, stopped and disabled under real systemd (nspawn) — started and
// enabled by `run --yes`, proven from a peer by a mail to postmaster accepted up to RCPT (it got
// 451 before), relaying refused, a second run idle, and rollback putting the units back as they
// were (stopped, disabled) byte for byte. Where nothing can start them (a namespace host without
// a service manager, Dovecot's socket gone), the run says so and exits 4, changing nothing.
import assert from 'node:assert/strict';
import { enableSubmission, injectMilterDown, injectPolicyServiceDown, injectSaslSocketMissing, mailDialogue, milterAnswers, pollUntil, postconfSet, postfixRestart, startDovecotSasl } from '../lab/index.js';
import type { Host } from '../lab/index.js';
import { describeNeedsHuman, describeScenario } from '../scenario.js';
import type { ScenarioContext } from '../scenario.js';

const POSTMASTER = 'postmaster@lab-nspawn.lab.test';

async function unit(host: Host, name: string): Promise<{ active: string; enabled: string }> {
  const [a, e] = await Promise.all([host.exec(['systemctl', 'is-active', name]), host.exec(['systemctl', 'is-enabled', name])]);
  return { active: a.stdout.trim(), enabled: e.stdout.trim() };
}

/** The peer's mail to postmaster: refused with 451 at `stage` (the fault), or accepted up to RCPT. */
function peerMail(stage: 'mail' | 'rcpt' | null) {
  return async ({ peer, net }: ScenarioContext): Promise<void> => {
    const seen = await mailDialogue(peer, net.aAddr, { from: 'sender@peer.test', to: POSTMASTER });
    if (stage === null) {
      assert.equal(seen.refusedAt, undefined, `mail to postmaster refused: ${JSON.stringify(seen.replies)}`);
      assert.equal(seen.replies.rcpt?.code, 250, JSON.stringify(seen.replies));
    } else {
      assert.equal(seen.refusedAt, stage, JSON.stringify(seen.replies));
      assert.equal(seen.replies[stage]?.code, 451, JSON.stringify(seen.replies));
    }
  };
}

describeScenario({
  title: 'systemd: OpenDKIM (milter) stopped and disabled',
  kind: 'nspawn',
  inject: (h) => injectMilterDown(h, { disable: true }),
  cause: 'milter-unreachable',
  runbooks: ['dependency-services'],
  brokenPeer: ['banner'],
  relayRefused: true,
  peerBroken: peerMail('mail'),
  onPlan(plan) {
    const step = (plan as { runbooks: Array<{ id: string; steps: Array<{ change?: { diff: string[] } }> }> }).runbooks.find((r) => r.id === 'dependency-services')?.steps[0];
    const diff = step?.change?.diff.join('\n') ?? '';
    assert.match(diff, /systemctl start opendkim\.service/, diff);
    assert.match(diff, /systemctl enable opendkim\.service/, diff);
  },
  async afterFix(ctx) {
    assert.deepEqual(await unit(ctx.host, 'opendkim.service'), { active: 'active', enabled: 'enabled' });
    await peerMail(null)(ctx);
  },
});

describeScenario({
  title: 'systemd: postgrey (policy service) stopped and disabled',
  kind: 'nspawn',
  inject: (h) => injectPolicyServiceDown(h, { disable: true }),
  cause: 'policy-service-unreachable',
  runbooks: ['dependency-services'],
  brokenPeer: ['banner'],
  relayRefused: true,
  peerBroken: peerMail('rcpt'),
  async afterFix(ctx) {
    assert.deepEqual(await unit(ctx.host, 'postgrey.service'), { active: 'active', enabled: 'enabled' });
    await peerMail(null)(ctx);
  },
});

// A namespace host has no service manager: nothing here can start opendkim for Postfix.
describeNeedsHuman({
  title: 'milter down, no service manager',
  inject: (h) => injectMilterDown(h),
  cause: 'milter-unreachable',
  reason: /dependency-services: precondition failed: every endpoint that does not answer has a unit here.*inet:localhost:8891/,
});

// Dovecot is not in the systemd rootfs (see the report); on a namespace host its SASL socket gone
// is named with the parameter and the path, and left to a person.
describeNeedsHuman({
  title: 'Dovecot SASL socket gone, no service manager',
  async inject(h) {
    await enableSubmission(h);
    await startDovecotSasl(h, { users: [{ user: 'alice', password: 'lab-secret' }] });
    await injectSaslSocketMissing(h, 'dovecot-stopped');
  },
  cause: 'sasl-backend-unreachable',
  reason: /dependency-services: precondition failed: .*private\/auth/,
});

// OpenDKIM runs (its unit active and enabled), but with Debian's packaged socket under /run: a
// chrooted smtpd looks for it inside /var/spool/postfix and never finds it. Starting anything
// would not help; the path to use is named, and nothing is touched.
describeNeedsHuman({
  title: 'systemd: OpenDKIM socket outside the chroot',
  kind: 'nspawn',
  async inject(h) {
    const conf = await h.readFile('/etc/opendkim.conf');
    await h.writeFile('/etc/opendkim.conf', conf.replace(/^Socket\s.*$/m, 'Socket\t\t\tlocal:/run/opendkim/opendkim.sock'), 0o644);
    await h.execOk(['systemctl', 'enable', '--now', 'opendkim.service'], { timeoutMs: 60_000 });
    await pollUntil(async () => ((await milterAnswers(h, 'local:/run/opendkim/opendkim.sock')) ? true : undefined), { timeoutMs: 20_000, what: 'opendkim on /run/opendkim/opendkim.sock' });
    await postconfSet(h, ['smtpd_milters=unix:/run/opendkim/opendkim.sock', 'non_smtpd_milters=$smtpd_milters', 'milter_default_action=tempfail']);
    const r = await postfixRestart(h);
    if (r.code !== 0) throw new Error(`postfix restart: ${r.stdout}${r.stderr}`);
  },
  cause: 'milter-unreachable',
  reason: /socket is at \/run\/opendkim\/opendkim\.sock, outside the chroot|dependency-services: precondition failed: .*unix:\/run\/opendkim\/opendkim\.sock/,
});

// OpenDKIM runs, on another port than the one Postfix names: its unit is up, so starting it
// would change nothing. Named as such, left to a person; nothing is touched.
describeNeedsHuman({
  title: 'systemd: OpenDKIM runs on another port',
  kind: 'nspawn',
  async inject(h) {
    const conf = await h.readFile('/etc/opendkim.conf');
    await h.writeFile('/etc/opendkim.conf', conf.replace(/^Socket\s.*$/m, 'Socket\t\t\tinet:8892@localhost'), 0o644);
    await h.execOk(['systemctl', 'enable', '--now', 'opendkim.service'], { timeoutMs: 60_000 });
    await pollUntil(async () => ((await milterAnswers(h, 'inet:8892@localhost')) ? true : undefined), { timeoutMs: 20_000, what: 'opendkim on 8892' });
    await postconfSet(h, ['smtpd_milters=inet:localhost:8891', 'non_smtpd_milters=$smtpd_milters', 'milter_default_action=tempfail']);
    const r = await postfixRestart(h);
    if (r.code !== 0) throw new Error(`postfix restart: ${r.stdout}${r.stderr}`);
  },
  cause: 'milter-unreachable',
  reason: /although opendkim runs|opendkim is already running: starting it changes nothing/,
});
