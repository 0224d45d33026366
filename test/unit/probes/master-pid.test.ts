import assert from 'node:assert/strict';
import { masterPidProbe } from '../../../src/probes/master-pid.js';
import { factsWith, healthyFacts, stoppedFacts } from './helpers/facts.js';
import { probeCtx } from './helpers/probe-ctx.js';

describe('probes/master-pid', () => {
  it('held by the running master: ok', async () => {
    const [f] = await masterPidProbe.run(probeCtx(healthyFacts()));
    assert.equal(f?.status, 'ok');
  });

  it('stale and unlocked: ok, and says it is harmless', async () => {
    const [f] = await masterPidProbe.run(probeCtx(stoppedFacts()));
    assert.equal(f?.status, 'ok');
    assert.equal(f?.title, 'stale master.pid, unlocked: harmless');
    assert.ok(f?.evidence.some((e) => /names pid 4242 \(not running\)/.test(e)));
    assert.ok(f?.evidence.includes('nothing to remove'));
  });

  it('locked by a foreign process: fail master-pid-locked, naming it', async () => {
    const facts = factsWith((f) => {
      Object.assign(f, stoppedFacts());
      f.masterPid.lockHolder = { pid: 33, process: 'flock' };
    });
    const [f] = await masterPidProbe.run(probeCtx(facts));
    assert.equal(f?.status, 'fail');
    assert.equal(f?.cause, 'master-pid-locked');
    assert.equal(f?.title, 'master.pid is locked by flock (pid 33)');
  });

  it('no file: ok', async () => {
    const facts = factsWith((f) => (f.masterPid = { ...f.masterPid, exists: false, pid: null, pidAlive: false, pidIsMaster: false, lockHolder: null }));
    assert.equal((await masterPidProbe.run(probeCtx(facts)))[0]?.status, 'ok');
  });
});
