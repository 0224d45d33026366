// Letting mail in without a milter that cannot be started is a choice, never a fix: the runbook
// runs only when named (`--runbook milter-bypass`), only at high risk, and only for a while — the
// deadline guard (here a detached watchdog: a namespace host has no systemd) puts
// milter_default_action back even though postfix-fix has long exited. Real OpenDKIM wired into
// real Postfix, stopped; judged from a peer by the reply to MAIL FROM.
import assert from 'node:assert/strict';
import { LabHost, injectMilterDown, link, mailDialogue, pollUntil, postconfGet, runCli } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';

interface RunReport {
  status: string;
  exitCode: number;
  needsHuman: string[];
  steps: Array<{ runbook: string; status: string; name: string }>;
}

describe('e2e: milter-bypass (on request, until a deadline)', function () {
  this.timeout(240_000);
  let host: Host;
  let peer: Host;
  let net: LinkInfo;
  let mainCfBroken: string;
  const to = (): string => `postmaster@${host.name}.lab.test`;
  const peerMail = async (): Promise<{ refusedAt?: string; code?: number }> => {
    const d = await mailDialogue(peer, net.aAddr, { from: 'sender@peer.test', to: to() });
    return { ...(d.refusedAt ? { refusedAt: d.refusedAt } : {}), ...(d.replies.mail ? { code: d.replies.mail.code } : {}) };
  };
  const run = async (args: string[]): Promise<{ code: number; report: RunReport }> => {
    const r = await runCli(host, ['run', '--yes', '--json', '--offline', ...args], { timeoutMs: 120_000 });
    assert.ok(r.json, `${r.stderr}\n${r.stdout}`);
    return { code: r.code, report: r.json as RunReport };
  };

  before(async () => {
    host = await LabHost.create({ name: 'mbypass' });
    peer = await LabHost.create({ name: 'mbypass-p', postfix: false });
    net = await link(host, peer);
    await injectMilterDown(host);
    mainCfBroken = await host.readFile('/etc/postfix/main.cf');
  });
  after(async () => {
    await peer?.destroy();
    await host?.destroy();
  });

  it('the fault: the peer gets 451 at MAIL FROM (milter_default_action = tempfail)', async () => {
    assert.deepEqual(await peerMail(), { refusedAt: 'mail', code: 451 });
  });

  it('never planned from the findings: plan and run --yes leave mail refused (dependency-services is blocked, exit 4)', async () => {
    const plan = await runCli(host, ['plan', '--json', '--offline', '--detailed-exitcodes']);
    const ids = (plan.json as { runbooks: Array<{ id: string; status: string }> }).runbooks.map((r) => `${r.id}:${r.status}`);
    assert.ok(!ids.some((x) => x.startsWith('milter-bypass')), ids.join(' '));
    assert.ok(ids.includes('dependency-services:blocked'), ids.join(' '));
    const { code, report } = await run(['--max-risk', 'high']);
    assert.equal(code, 4);
    assert.equal(report.status, 'needs-human');
    assert.equal(await host.readFile('/etc/postfix/main.cf'), mainCfBroken);
  });

  it('asked for, but at the default risk cap: the high-risk step is not taken (exit 4, main.cf untouched)', async () => {
    const { code, report } = await run(['--runbook', 'milter-bypass']);
    assert.equal(code, 4);
    assert.ok(report.steps.every((s) => s.status !== 'changed'), JSON.stringify(report.steps));
    assert.equal(await host.readFile('/etc/postfix/main.cf'), mainCfBroken);
  });

  it('asked for at high risk: mail is accepted without the milter; the report says until when; rollback --last ends it at once', async () => {
    const { code, report } = await run(['--runbook', 'milter-bypass', '--max-risk', 'high', '--var', 'seconds=600']);
    assert.equal(code, 4, JSON.stringify(report, null, 1));
    assert.equal(report.status, 'changed');
    assert.ok(report.needsHuman.some((n) => /^still in force after this run: step 1 .*milter_default_action: tempfail → accept.* undone at \S+Z by a watchdog process, or sooner with `postfix-fix rollback --last`/.test(n)), report.needsHuman.join('\n'));
    assert.ok(report.needsHuman.some((n) => /milter inet:localhost:8891/.test(n)), 'the milter is still down: said so');
    assert.equal(await postconfGet(host, 'milter_default_action'), 'accept');
    assert.deepEqual(await peerMail(), { code: 250 });
    const rb = await runCli(host, ['rollback', '--last']);
    assert.equal(rb.code, 0, rb.stdout + rb.stderr);
    assert.equal(await host.readFile('/etc/postfix/main.cf'), mainCfBroken);
    assert.deepEqual(await peerMail(), { refusedAt: 'mail', code: 451 });
  });

  it('left alone, the deadline guard restores milter_default_action by itself, main.cf byte for byte', async () => {
    const started = Date.now();
    const { code, report } = await run(['--runbook', 'milter-bypass', '--max-risk', 'high', '--var', 'seconds=15']);
    assert.equal(code, 4, JSON.stringify(report, null, 1));
    assert.deepEqual(await peerMail(), { code: 250 });
    // postfix-fix exited long ago; only the watchdog it left is still there to restore it.
    await pollUntil(async () => ((await host.readFile('/etc/postfix/main.cf')) === mainCfBroken ? true : undefined), { timeoutMs: 120_000, intervalMs: 500, what: 'the guard restoring main.cf' });
    const restoredAfterS = (Date.now() - started) / 1000;
    assert.ok(restoredAfterS >= 15, `restored after ${restoredAfterS} s, before its deadline`);
    await pollUntil(async () => ((await peerMail()).refusedAt === 'mail' ? true : undefined), { timeoutMs: 30_000, intervalMs: 500, what: 'the peer refused again at MAIL' });
    const list = await runCli(host, ['rollback', '--list', '--json']);
    const runs = (list.json as { runs: Array<{ status: string; pending: number }> }).runs;
    assert.equal(runs.at(-1)?.pending, 0, JSON.stringify(runs));
    console.log(`      guard restored main.cf ${restoredAfterS.toFixed(1)} s after the run began (deadline 15 s)`);
  });
});
