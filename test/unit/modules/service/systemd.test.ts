// The systemd backend against `systemctl` answers recorded from Debian bookworm (a scripted
// executor stands in for systemctl; the real one runs in test/e2e/runbooks/systemd.test.ts).
import assert from 'node:assert/strict';
import { systemdBackend } from '../../../../src/modules/service/systemd.js';
import { fakeExec } from '../../probes/helpers/fake-exec.js';

const SHOW = ['systemctl', 'show', '--property=Id,LoadState,ActiveState,UnitFileState,FragmentPath', '--'];
const block = (id: string, load: string, active: string, file: string, fragment = `/lib/systemd/system/${id}`): string => `Id=${id}\nLoadState=${load}\nActiveState=${active}\nUnitFileState=${file}\nFragmentPath=${fragment}\n`;

describe('modules/service: systemd backend', () => {
  it('inspect: one `systemctl show` for all units, read block by block', async () => {
    const exec = fakeExec([
      {
        argv: [...SHOW, 'postfix.service', 'postfix@-.service', 'exim4.service', 'local.service'],
        result: { stdout: [block('postfix.service', 'loaded', 'active', 'enabled'), block('postfix@-.service', 'loaded', 'inactive', 'indirect'), block('exim4.service', 'not-found', 'inactive', ''), block('local.service', 'masked', 'inactive', 'masked', '/etc/systemd/system/local.service')].join('\n') },
      },
    ]);
    const units = await systemdBackend(exec).inspect(['postfix.service', 'postfix@-.service', 'exim4.service', 'local.service']);
    assert.deepEqual(
      units.map((u) => [u.unit, u.exists, u.active, u.enabled, u.masked, u.toggleable, u.maskable]),
      [
        ['postfix.service', true, true, true, false, true, true],
        ['postfix@-.service', true, false, true, false, false, true],
        ['exim4.service', false, false, null, false, false, true],
        ['local.service', true, false, false, true, false, false],
      ],
    );
    assert.equal(units[0]?.detail, 'active, enabled');
  });

  it('diff shows the command apply runs; a stop waits until the unit is no longer active', async () => {
    // `systemctl stop` has returned, and the unit still reads as active at the first look.
    let looks = 0;
    const exec = fakeExec([]);
    const run = exec.run.bind(exec);
    exec.run = async (argv, options) => {
      const r = { ...(await run(argv, options)), exitCode: 0, notFound: false };
      return argv[1] === 'show' ? { ...r, stdout: block('exim4.service', 'loaded', ++looks === 1 ? 'active' : 'inactive', 'enabled') } : r;
    };
    const b = systemdBackend(exec);
    assert.equal(b.diff({ verb: 'stop', unit: 'exim4.service' }), 'systemctl stop exim4.service');
    await b.apply({ verb: 'stop', unit: 'exim4.service' });
    assert.deepEqual(exec.calls[0]?.argv, ['systemctl', 'stop', '--', 'exim4.service']);
    assert.deepEqual(exec.calls.map((c) => c.argv[1]), ['stop', 'show', 'show'], 'it looked until the unit was inactive');
  });

  it('a failed systemctl fails the action with what it said', async () => {
    const exec = fakeExec([{ argv: ['systemctl', 'start'], result: { exitCode: 1, stderr: 'Job for postfix.service failed.\n' } }]);
    await assert.rejects(systemdBackend(exec).apply({ verb: 'start', unit: 'postfix.service' }), /systemctl start postfix.service/);
  });

  it('verify and undo: masking counts here', () => {
    const b = systemdBackend(fakeExec([]));
    const unit = { unit: 'exim4.service', exists: true, active: false, enabled: false, masked: true, toggleable: false, maskable: true, detail: '' };
    assert.equal(b.verify({ service: ['exim4.service'], state: 'stopped', masked: true }, [unit]), true);
    assert.equal(b.verify({ service: ['exim4.service'], masked: true }, [{ ...unit, masked: false }]), false);
    assert.deepEqual(b.undo([{ ...unit, masked: false, toggleable: true, enabled: true, active: true }], [unit]), [
      { verb: 'unmask', unit: 'exim4.service' },
      { verb: 'enable', unit: 'exim4.service' },
      { verb: 'start', unit: 'exim4.service' },
    ]);
  });
});
