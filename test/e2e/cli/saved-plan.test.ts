// A saved plan is an approval for one state of the host: `apply` refuses, naming what drifted,
// when the host, the runbooks or the plan file changed; on an unchanged host it makes exactly
// the planned changes and nothing else.
import assert from 'node:assert/strict';
import { LabHost, injectLoopbackOnly, link, runCli, smtpProbe } from '../lab/index.js';
import type { Host, LinkInfo } from '../lab/index.js';

const postconfN = async (h: Host): Promise<string[]> => (await h.execOk(['postconf', '-n'])).stdout.trim().split('\n');

describe('e2e: saved plans (plan --out, apply)', function () {
  this.timeout(180_000);
  let host: Host;
  let peer: Host;
  let net: LinkInfo;
  before(async () => {
    host = await LabHost.create({ name: 'savedplan' });
    peer = await LabHost.create({ name: 'savedplan-peer', postfix: false });
    net = await link(host, peer);
    await injectLoopbackOnly(host, { value: 'loopback-only' });
  });
  after(async () => {
    await peer?.destroy();
    await host?.destroy();
  });

  it('apply refuses when the host changed since the plan, and names what drifted', async () => {
    const p = await runCli(host, ['plan', '--offline', '--out', '/root/plan.json']);
    assert.equal(p.code, 0, p.stderr);
    await host.execOk(['postconf', '-e', 'inet_interfaces=127.0.0.1']);
    const before = await postconfN(host);
    const r = await runCli(host, ['apply', '/root/plan.json']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /changed since the plan was made; nothing was applied/);
    assert.match(r.stderr, /inet_interfaces/);
    assert.deepEqual(await postconfN(host), before);
    await host.execOk(['postconf', '-e', 'inet_interfaces=loopback-only']);
  });

  it('apply refuses a plan file edited after it was made', async () => {
    await runCli(host, ['plan', '--offline', '--out', '/root/plan.json']);
    const plan = JSON.parse(await host.readFile('/root/plan.json')) as { runbooks: Array<{ steps: Array<{ args: Record<string, unknown> }> }> };
    const step = plan.runbooks[0]?.steps.find((s) => 'set' in s.args);
    assert.ok(step);
    step.args = { set: { inet_interfaces: 'all', smtpd_relay_restrictions: 'permit' } };
    await host.writeFile('/root/tampered.json', JSON.stringify(plan));
    const r = await runCli(host, ['apply', '/root/tampered.json']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /plan file was modified after it was made/);
  });

  it('apply refuses when a runbook changed since the plan', async () => {
    await host.execOk(['mkdir', '-p', '/root/rb']);
    await host.writeFile('/root/rb/local.yaml', LOCAL_RUNBOOK('45s'));
    const p = await runCli(host, ['plan', '--offline', '--runbooks', '/root/rb', '--runbook', 'local-timeout', '--out', '/root/local.json']);
    assert.equal(p.code, 0, p.stderr);
    await host.writeFile('/root/rb/local.yaml', LOCAL_RUNBOOK('90s'));
    const r = await runCli(host, ['apply', '/root/local.json', '--runbooks', '/root/rb']);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /runbook local-timeout: .*local\.yaml changed since the plan was made/);
  });

  it('on an unchanged host, apply makes exactly the planned changes and nothing else', async () => {
    const before = await postconfN(host);
    const p = await runCli(host, ['plan', '--offline', '--json', '--out', '/root/plan.json']);
    const plan = p.json as { runbooks: Array<{ steps: Array<{ stepId: string; status: string; change?: { intent: { set: Array<[string, string, string]> } } }> }> };
    const planned = plan.runbooks.flatMap((rb) => rb.steps.filter((s) => s.status === 'change'));
    const r = await runCli(host, ['apply', '/root/plan.json', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const report = r.json as { steps: Array<{ stepId: string; status: string }> };
    assert.deepEqual(report.steps.filter((s) => s.status === 'changed').map((s) => s.stepId), planned.map((s) => s.stepId));
    // main.cf: exactly the planned parameters changed, to the planned values.
    const expected = new Map(before.map((l) => [l.split(' = ')[0], l]));
    for (const s of planned) for (const [name, , to] of s.change?.intent.set ?? []) expected.set(name, `${name} = ${to}`);
    assert.deepEqual(new Set(await postconfN(host)), new Set(expected.values()));
    assert.equal((await smtpProbe(peer, net.aAddr, 25, 3000)).kind, 'banner');
  });
});

function LOCAL_RUNBOOK(timeout: string): string {
  return `id: local-timeout
title: A site's own runbook
description: raise smtp_connect_timeout
symptoms: []
steps:
  - name: raise the connect timeout
    module: postconf
    args: { set: { smtp_connect_timeout: ${timeout} } }
    risk: low
verify:
  - name: Postfix is still up
    gone: postfix-stopped
`;
}
