// The OpenRC backend against rc-update/rc-service answers as Alpine prints them (a scripted
// executor stands in; the real OpenRC runs in test/e2e/runbooks/distros.test.ts).
import assert from 'node:assert/strict';
import { openrcBackend } from '../../../../src/modules/service/openrc.js';
import { fakeExec } from '../../probes/helpers/fake-exec.js';

describe('modules/service: OpenRC backend', () => {
  it('inspect: run state from rc-service, boot state from the default runlevel', async () => {
    const exec = fakeExec([
      { argv: ['rc-update', 'show', 'default'], result: { stdout: '              postfix | default\n                 sshd | default\n' } },
      { argv: ['rc-service', 'postfix', 'status'], result: { exitCode: 3, stdout: ' * status: stopped\n' } },
      { argv: ['rc-service', 'exim', 'status'], result: { exitCode: 1, stderr: ' * rc-service: service `exim\' does not exist\n' } },
    ]);
    const units = await openrcBackend(exec).inspect(['postfix', 'exim']);
    assert.deepEqual(units.map((u) => [u.unit, u.exists, u.active, u.enabled, u.toggleable, u.detail]), [
      ['postfix', true, false, true, true, 'stopped, in runlevel default'],
      ['exim', false, false, false, false, 'stopped, not in runlevel default'],
    ]);
  });

  it('diff shows the command apply runs: rc-service for run state, rc-update for boot state', async () => {
    const exec = fakeExec([{ argv: ['rc-service'] }, { argv: ['rc-update'] }]);
    const b = openrcBackend(exec);
    for (const a of [{ verb: 'start', unit: 'postfix' }, { verb: 'enable', unit: 'postfix' }, { verb: 'disable', unit: 'exim' }] as const) {
      await b.apply(a);
      assert.equal(exec.calls.at(-1)?.argv.join(' '), b.diff(a));
    }
    assert.deepEqual(exec.calls.map((c) => c.argv.join(' ')), ['rc-service postfix start', 'rc-update add postfix default', 'rc-update del exim default']);
  });

  it('verify and undo: no masking here', () => {
    const b = openrcBackend(fakeExec([]));
    const unit = { unit: 'postfix', exists: true, active: true, enabled: true, masked: false, toggleable: true, maskable: false, detail: '' };
    assert.equal(b.verify({ service: ['postfix'], state: 'started', enabled: true }, [unit]), true);
    assert.equal(b.verify({ service: ['postfix'], state: 'started' }, [{ ...unit, active: false }]), false);
    assert.deepEqual(b.undo([{ ...unit, masked: true }], [unit]), [], 'a mask it cannot make is not attempted');
  });
});
