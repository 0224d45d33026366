// diagnose and plan as an unprivileged user (nobody): they work wherever the underlying tools
// allow, exit with their documented codes (never 1), say which checks were limited by not being
// root, and write nothing — plan does not even need the state directory. Commands that change
// the host refuse cleanly (exit 2) instead of failing half-way.

import assert from 'node:assert/strict';
import { LabHost, cliBundlePath, injectLoopbackOnly } from '../lab/index.js';
import type { ExecResult } from '../lab/index.js';

describe('e2e security: least privilege (diagnose and plan as nobody)', function () {
  this.timeout(300_000);
  let host: LabHost;

  const asNobody = (args: string[]): Promise<ExecResult> =>
    host.exec(['setpriv', '--reuid=nobody', '--regid=nogroup', '--init-groups', '--', host.nodeBin, cliBundlePath(), ...args], { timeoutMs: 120_000, env: { NO_COLOR: '1' } });
  const noCrash = (r: ExecResult): void => assert.doesNotMatch(`${r.stdout}\n${r.stderr}`, /internal error|^\s+at .+:\d+:\d+\)?$/m, r.stderr);
  const stateDir = async (): Promise<string> => (await host.exec(['sh', '-c', 'ls -la /var/lib/postfix-fix 2>&1; ls -A /tmp'])).stdout;

  before(async function () {
    this.timeout(120_000);
    host = await LabHost.create({ name: 'unprivileged' });
    await injectLoopbackOnly(host);
    await host.exec(['rm', '-rf', '/var/lib/postfix-fix']);
  });
  after(async () => host?.destroy());

  it('diagnose works as nobody, finds the fault, and lists the checks that needed root', async () => {
    const before = await stateDir();
    const r = await asNobody(['diagnose', '--offline', '--json']);
    noCrash(r);
    assert.ok([0, 4, 7].includes(r.code), `exit ${r.code}: ${r.stderr}`);
    const report = JSON.parse(r.stdout) as { topCause: { cause: string } | null; needsRoot: string[] };
    assert.equal(report.topCause?.cause, 'loopback-only');
    // What a non-root user cannot see: the spool, master.pid, `postfix check`, the firewall.
    for (const check of [/^postfix_check: .*needs root/, /^queue: /, /^master_pid: /, /^fact firewall\./]) assert.ok(report.needsRoot.some((n) => check.test(n)), `${check} not in ${JSON.stringify(report.needsRoot, null, 1)}`);
    const text = await asNobody(['diagnose', '--offline']);
    assert.match(text.stdout, /Not run as root — these checks were limited/);
    assert.equal(await stateDir(), before, 'diagnose wrote something');
  });

  it('as root the same report lists nothing under needsRoot', async () => {
    const r = await host.exec([host.nodeBin, cliBundlePath(), 'diagnose', '--offline', '--json'], { timeoutMs: 120_000 });
    assert.deepEqual((JSON.parse(r.stdout) as { needsRoot: string[] }).needsRoot, []);
  });

  it('plan works as nobody without the state directory, and says its view was limited', async () => {
    const before = await stateDir();
    for (const args of [['plan', '--offline'], ['plan', '--offline', '--json'], ['plan', '--offline', '--detailed-exitcodes']]) {
      const r = await asNobody(args);
      noCrash(r);
      assert.ok([0, 4, 7].includes(r.code), `${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
      assert.match(r.stderr, /not run as root, so \d+ check\(s\) were limited/);
    }
    const plan = JSON.parse((await asNobody(['plan', '--offline', '--json'])).stdout) as { summary: { changes: number } };
    assert.ok(plan.summary.changes > 0, 'the fix is planned');
    assert.equal(await stateDir(), before, 'plan wrote something');
    assert.match(before, /No such file or directory/);
  });

  it('commands that change the host refuse cleanly as nobody (exit 2), and change nothing', async () => {
    const mainCf = await host.readFile('/etc/postfix/main.cf');
    for (const args of [['run', '--yes', '--offline'], ['rollback', '--last']]) {
      const r = await asNobody(args);
      noCrash(r);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /cannot use state directory .*permission denied \(run as root, or pass --state-dir\)/);
    }
    assert.equal(await host.readFile('/etc/postfix/main.cf'), mainCf);
  });
});
