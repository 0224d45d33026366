// Issue 18, done when: on real fail2ban (Debian's 1.0.2) in a lab host, `diagnose --from BANNED`
// names the ban (jail, address, expiry) and exits non-zero; `run --yes --from BANNED` lifts
// exactly that ban (a second banned address stays banned, fail2ban keeps running); the client
// then gets the banner, on every port; rollback bans it again. Judged from the banned peer
// itself, and from a second peer nobody banned.
import assert from 'node:assert/strict';
import {
  LabHost,
  bannedAddresses,
  banInFirewall,
  enableSubmission,
  fail2banClient,
  fail2banOf,
  injectFail2banBan,
  link,
  runCli,
  smtpProbe,
  smtpSession,
  startDovecotSasl,
  stopFail2ban,
} from '../lab/index.js';
import type { LinkInfo } from '../lab/index.js';
import type { Fail2banBanaction } from '../lab/index.js';

const UNRELATED = '203.0.113.77';
const SHORT = 2_000;

interface Report {
  exitCode: number;
  status: string;
  topCause: { cause: string; title: string; evidence: string[]; command: string | null } | null;
  findings: Array<{ check: string; status: string; cause?: string; title: string }>;
  client?: { address: string; ports: number[]; portsGiven: boolean; via: string };
}

function describeUnban(banaction: Fail2banBanaction, full: boolean, ignoreip: string[] = []): void {
  describe(`e2e: fail2ban-unban (${banaction})`, function () {
    this.timeout(180_000);
    let server: LabHost;
    let banned: LabHost;
    let other: LabHost;
    let toBanned: LinkInfo;
    let toOther: LinkInfo;
    let pid: number;

    before(async function () {
      [server, banned, other] = await Promise.all([
        LabHost.create({ name: `unban-${banaction.slice(0, 3)}` }),
        LabHost.create({ name: `unban-${banaction.slice(0, 3)}-bad`, postfix: false }),
        LabHost.create({ name: `unban-${banaction.slice(0, 3)}-ok`, postfix: false }),
      ]);
      toBanned = await link(server, banned);
      toOther = await link(server, other);
      if (full) {
        await startDovecotSasl(server, { users: [{ user: 'alice', password: 'wonderland' }] });
        await enableSubmission(server);
      }
      await injectFail2banBan(server, toBanned.bAddr, { alsoBan: [UNRELATED], bantime: 3600, banaction, ignoreip });
      pid = fail2banOf(server)?.pid as number;
    });
    after(async () => {
      if (server) await stopFail2ban(server).catch(() => {});
      await Promise.all([server?.destroy(), banned?.destroy(), other?.destroy()]);
    });

    const ports = full ? [25, 587, 465] : [25];

    async function greets(peer: LabHost, addr: string): Promise<void> {
      for (const port of ports.filter((p) => p !== 465)) assert.equal((await smtpProbe(peer, addr, port, SHORT)).kind, 'banner', `port ${port}`);
      if (ports.includes(465)) assert.equal((await smtpSession(peer, addr, 465, { tls: 'implicit', timeoutMs: SHORT })).banner?.code, 220, 'port 465');
    }

    async function refused(): Promise<void> {
      for (const port of ports) assert.equal((await smtpProbe(banned, toBanned.aAddr, port, SHORT)).kind, 'refused', `port ${port}`);
    }

    async function fail2banStillRuns(): Promise<void> {
      assert.equal(fail2banOf(server)?.pid, pid);
      assert.equal((await fail2banClient(server, ['ping'])).stdout.trim(), 'Server replied: pong');
      assert.equal((await server.exec(['kill', '-0', String(pid)])).code, 0, 'the same fail2ban-server');
    }

    it('the banned peer is refused on every mail port; the other peer is greeted', async () => {
      await refused();
      await greets(other, toOther.aAddr);
    });

    if (full) {
      it('without --from: the bans in force on SMTP ports, as information (the host is healthy for strangers)', async () => {
        const r = await runCli(server, ['diagnose', '--json', '--offline']);
        const report = r.json as Report;
        assert.equal(r.code, 0, r.stdout);
        const info = report.findings.find((f) => f.check === 'fail2ban');
        assert.equal(info?.title, 'fail2ban bans 2 addresses from SMTP ports; `diagnose --from ADDRESS` tells whether your client is one');
        assert.equal(report.client, undefined);
      });
    }

    it('diagnose --from BANNED names the ban: jail, address, expiry, the rule; exits non-zero', async () => {
      const r = await runCli(server, ['diagnose', '--json', '--offline', '--from', toBanned.bAddr]);
      const report = r.json as Report;
      assert.equal(r.code, 7, r.stdout);
      assert.equal(report.topCause?.cause, 'fail2ban-bans-client');
      assert.match(report.topCause?.title ?? '', new RegExp(`^fail2ban \\(jail postfix\\) bans ${toBanned.bAddr.replace(/\./g, '\\.')} from ports? ${ports.join(', ')}, until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d \\(in (59|60) min|1 h\\)`));
      assert.ok(report.topCause?.evidence.some((e) => /bantime 3600 s, ends/.test(e)), report.topCause?.evidence.join('\n'));
      assert.ok(report.topCause?.evidence.some((e) => (banaction === 'iptables-multiport' ? /-A f2b-postfix -s 10\.231\.\d+\.2\/32 -j REJECT/ : /ip saddr @addr-set-postfix reject/).test(e)), report.topCause?.evidence.join('\n'));
      assert.equal(report.topCause?.command, `postfix-fix run --runbook fail2ban-unban --from ${toBanned.bAddr}`);
      assert.deepEqual(report.client?.ports, ports);
      // In words, as the person reads it.
      const text = await runCli(server, ['diagnose', '--offline', '--from', toBanned.bAddr]);
      assert.match(text.stdout, /^Seen from 10\.231\.\d+\.2, ports? 25/m);
      assert.match(text.stdout, /✗ Cause: fail2ban \(jail postfix\) bans /);
      assert.match(text.stdout, /Fix: postfix-fix run --runbook fail2ban-unban --from 10\.231\.\d+\.2/);
    });

    it('diagnose --from the other peer: not banned, and the firewall lets it in', async () => {
      const r = await runCli(server, ['diagnose', '--json', '--offline', '--from', toOther.bAddr]);
      const report = r.json as Report;
      assert.equal(r.code, 0, JSON.stringify(report.findings.filter((f) => f.status !== 'ok')));
      assert.ok(report.findings.some((f) => f.check === 'fail2ban' && f.title === `fail2ban runs and bans ${toOther.bAddr} in none of its jails`));
      assert.ok(report.findings.some((f) => f.check === 'client_firewall' && f.title.startsWith(`the firewall lets ${toOther.bAddr} reach port`)));
    });

    if (full) {
      it('plan --from BANNED shows the unban and changes nothing', async () => {
        const before = await server.execOk(['iptables-save']);
        const r = await runCli(server, ['plan', '--json', '--offline', '--from', toBanned.bAddr]);
        assert.equal(r.code, 0, r.stderr);
        const plan = r.json as { client: unknown; runbooks: Array<{ id: string; status: string; steps: Array<{ change?: { diff: string[] } }> }> };
        const rb = plan.runbooks.find((x) => x.id === 'fail2ban-unban');
        assert.equal(rb?.status, 'ready');
        assert.ok(rb?.steps[0]?.change?.diff.includes(`~ fail2ban-client set postfix unbanip ${toBanned.bAddr}`));
        assert.deepEqual(plan.client, { address: toBanned.bAddr, name: null, ports: null });
        assert.deepEqual((await bannedAddresses(server, 'postfix')).sort(), [toBanned.bAddr, UNRELATED].sort());
        assert.equal((await server.execOk(['iptables-save'])).stdout.replace(/^#.*\n/gm, ''), before.stdout.replace(/^#.*\n/gm, ''));
      });
    }

    it('run --yes --from BANNED lifts exactly that ban: the client is greeted, the other ban stays, fail2ban keeps running', async () => {
      const r = await runCli(server, ['run', '--yes', '--json', '--offline', '--from', toBanned.bAddr], { timeoutMs: 120_000 });
      const report = r.json as { status: string; steps: Array<{ runbook: string; status: string }> };
      assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
      assert.equal(report.status, 'changed');
      assert.deepEqual(report.steps.filter((s) => s.status === 'changed').map((s) => s.runbook), ['fail2ban-unban']);
      await greets(banned, toBanned.aAddr);
      await greets(other, toOther.aAddr);
      assert.deepEqual(await bannedAddresses(server, 'postfix'), [UNRELATED]);
      assert.equal(await banInFirewall(server, 'postfix', UNRELATED), true);
      await fail2banStillRuns();
    });

    if (full) {
      it('a second run --from changes nothing and says so', async () => {
        const r = await runCli(server, ['run', '--yes', '--json', '--offline', '--from', toBanned.bAddr, '--detailed-exitcodes']);
        assert.equal(r.code, 0, r.stdout);
        assert.equal((r.json as { status: string }).status, 'nothing-to-do');
      });
    }

    it('rollback --last bans it again (and only it); fail2ban still the same process', async () => {
      const r = await runCli(server, ['rollback', '--last'], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
      assert.deepEqual((await bannedAddresses(server, 'postfix')).sort(), [toBanned.bAddr, UNRELATED].sort());
      await refused();
      await greets(other, toOther.aAddr);
      await fail2banStillRuns();
    });

    if (!full) {
      it('plan --from --out, then apply FILE: the saved plan carries the client, so apply judges the same one', async () => {
        const file = '/var/lib/postfix-fix/unban-plan.json';
        const p = await runCli(server, ['plan', '--offline', '--from', toBanned.bAddr, '--out', file]);
        assert.equal(p.code, 0, p.stderr);
        assert.match(p.stdout, new RegExp(`To apply: postfix-fix run --interactive --from ${toBanned.bAddr.replace(/\./g, '\\.')} `));
        const a = await runCli(server, ['apply', file, '--json'], { timeoutMs: 120_000 });
        assert.equal(a.code, 0, `${a.stderr}\n${a.stdout}`);
        await greets(banned, toBanned.aAddr);
        assert.deepEqual(await bannedAddresses(server, 'postfix'), [UNRELATED]);
        assert.equal((await runCli(server, ['rollback', '--last'], { timeoutMs: 60_000 })).code, 0);
        await refused();
      });
    }

    it(`--var ignore=true: also in ignoreip, now and in a jail.d drop-in ${ignoreip.length > 0 ? 'keeping jail.local\'s ignoreip' : '(no ignoreip configured before)'} that survives a reload; rollback takes both back`, async () => {
        const file = `/etc/fail2ban/jail.d/postfix-fix-ignore-${toBanned.bAddr}.local`;
        const r = await runCli(server, ['run', '--yes', '--json', '--offline', '--from', toBanned.bAddr, '--var', 'ignore=true'], { timeoutMs: 120_000 });
        assert.equal(r.code, 0, `${r.stderr}\n${r.stdout}`);
        const known = ignoreip.length > 0 ? '%\\(known/ignoreip\\)s ' : '';
        assert.match(await server.readFile(file), new RegExp(`^\\[postfix\\]\\nignoreip = ${known}${toBanned.bAddr}$`, 'm'));
        const reload = await fail2banClient(server, ['reload']);
        assert.equal(reload.code, 0, reload.stderr);
        const ignore = await fail2banClient(server, ['get', 'postfix', 'ignoreip']);
        assert.match(ignore.stdout, new RegExp(`- ${toBanned.bAddr.replace(/\./g, '\\.')}$`, 'm'), ignore.stdout);
        if (ignoreip.length > 0) assert.match(ignore.stdout, /- 127\.0\.0\.0\/8$/m, 'what jail.local ignored is still ignored');
        await fail2banStillRuns();
        await greets(banned, toBanned.aAddr);
        const back = await runCli(server, ['rollback', '--last'], { timeoutMs: 60_000 });
        assert.equal(back.code, 0, back.stdout);
        assert.equal((await server.exec(['test', '-e', file])).code, 1, 'drop-in removed');
        assert.doesNotMatch((await fail2banClient(server, ['get', 'postfix', 'ignoreip'])).stdout, new RegExp(toBanned.bAddr.replace(/\./g, '\\.')));
        await refused();
      });
  });
}

describeUnban('iptables-multiport', true, ['127.0.0.1/8']);
describeUnban('nftables-multiport', false);
