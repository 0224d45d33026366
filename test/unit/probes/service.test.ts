import assert from 'node:assert/strict';
import { serviceProbe } from '../../../src/probes/service.js';
import { fakeExec } from './helpers/fake-exec.js';
import { factsWith, healthyFacts, stoppedFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

const status = (exitCode: number) => fakeExec([{ argv: ['postfix', 'status'], result: { exitCode } }]);

describe('probes/service', () => {
  it('running Postfix, no boot manager: ok, and no alarm about boot', async () => {
    const fs = await serviceProbe.run(probeCtx(healthyFacts(), { exec: status(0) }));
    assert.deepEqual(fs.map((f) => f.status), ['ok', 'ok']);
    assert.match(fs[0]?.title ?? '', /running \(master pid 100\)/);
  });

  it('stopped: fail postfix-stopped, with the stale pid and `postfix status` as evidence', async () => {
    const [f] = await serviceProbe.run(probeCtx(stoppedFacts(), { exec: status(1) }));
    assert.equal(f?.status, 'fail');
    assert.equal(f?.cause, 'postfix-stopped');
    assert.ok(f?.evidence.some((e) => /names pid 4242, which is not running/.test(e)));
    assert.ok(f?.evidence.some((e) => /exits 1 \(not running\)/.test(e)));
  });

  it('`postfix status` saying running while no master runs is called out (foreign lock)', async () => {
    const [f] = await serviceProbe.run(probeCtx(stoppedFacts(), { exec: status(0) }));
    assert.ok(f?.evidence.some((e) => /contradicts the process table/.test(e)));
  });

  it('not installed: fail postfix-not-installed and nothing else', async () => {
    const fs = await serviceProbe.run(probeCtx(factsWith((f) => (f.postfix.installed = false))));
    assert.deepEqual(fs.map((f) => [f.status, f.cause]), [['fail', 'postfix-not-installed']]);
  });

  it('disabled under systemd: warn postfix-disabled; enabled: ok', async () => {
    const disabled = factsWith((f) => {
      f.init = { pid1: 'systemd', manager: 'systemd' };
      Object.assign(f.postfix, { enabled: false, unit: 'postfix.service', unitState: 'active' });
    });
    const fs = await serviceProbe.run(probeCtx(disabled, { exec: status(0) }));
    assert.deepEqual(fs.map((f) => [f.status, f.cause ?? null]), [['ok', null], ['warn', 'postfix-disabled']]);
    assert.ok(fs[0]?.evidence.includes('systemd: postfix.service is active'));
  });

  it('asks `postfix status` only when the process table says not running (and only as root)', async () => {
    const running = status(0);
    await serviceProbe.run(probeCtx(healthyFacts(), { exec: running }));
    assert.equal(running.calls.length, 0);
    const exec = status(0);
    const [f] = await serviceProbe.run(probeCtx(stoppedFacts(), { exec, isRoot: false }));
    assert.equal(exec.calls.length, 0);
    assert.ok(f?.evidence.some((e) => /needs root/.test(e)));
  });
});
