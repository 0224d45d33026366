// The SysV backend against `service` and chkconfig/update-rc.d answers (a scripted executor
// stands in for them).
import assert from 'node:assert/strict';
import { sysvBackend } from '../../../../src/modules/service/sysv.js';
import { fakeExec } from '../../probes/helpers/fake-exec.js';

describe('modules/service: SysV backend', () => {
  it('inspect with chkconfig: runlevel 3 says whether it starts at boot; exit 4 means no such service', async () => {
    const exec = fakeExec([
      { argv: ['service', 'postfix', 'status'], result: { exitCode: 0, stdout: 'master (pid 812) is running...\n' } },
      { argv: ['service', 'sendmail', 'status'], result: { exitCode: 4 } },
      { argv: ['chkconfig', '--list', 'postfix'], result: { stdout: 'postfix        \t0:off\t1:off\t2:on\t3:on\t4:on\t5:on\t6:off\n' } },
      { argv: ['chkconfig', '--list', 'sendmail'], result: { exitCode: 1 } },
    ]);
    const units = await sysvBackend(exec).inspect(['postfix', 'sendmail']);
    assert.deepEqual(units.map((u) => [u.unit, u.exists, u.active, u.enabled, u.toggleable]), [
      ['postfix', true, true, true, true],
      ['sendmail', false, false, false, false],
    ]);
  });

  it('without update-rc.d or chkconfig: boot state unknown, and enable is refused rather than guessed', async () => {
    const exec = fakeExec([{ argv: ['service', 'postfix', 'status'], result: { exitCode: 3 } }]);
    const b = sysvBackend(exec);
    const [unit] = await b.inspect(['postfix']);
    assert.deepEqual([unit?.enabled, unit?.toggleable], [null, false]);
    await assert.rejects(b.apply({ verb: 'enable', unit: 'postfix' }), /neither update-rc\.d nor chkconfig is installed/);
    assert.equal(b.verify({ service: ['postfix'], enabled: true }, unit ? [unit] : []), true, 'what the manager cannot say is not held against it');
  });

  it('diff shows the command apply runs: update-rc.d on Debian', async () => {
    const exec = fakeExec([{ argv: ['update-rc.d'] }, { argv: ['service'] }]);
    const b = sysvBackend(exec);
    for (const a of [{ verb: 'disable', unit: 'exim4' }, { verb: 'stop', unit: 'exim4' }] as const) {
      await b.apply(a);
      assert.equal(exec.calls.at(-1)?.argv.join(' '), b.diff(a));
    }
    assert.deepEqual(exec.calls.map((c) => c.argv.join(' ')), ['update-rc.d exim4 disable', 'service exim4 stop']);
  });
});
