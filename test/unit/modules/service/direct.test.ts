// The direct backend (no service manager: Postfix's own commands). A scripted executor stands
// in for `postfix`; master.pid and /proc are real files under a scratch root.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NotApplicable } from '../../../../src/core/errors.js';
import { dialSmtp } from '../../../../src/exec/dial.js';
import { createHostFs } from '../../../../src/exec/host-fs.js';
import { directBackend } from '../../../../src/modules/service/direct.js';
import { debianProfile, scratchDir } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';
import { fakeExec } from '../../probes/helpers/fake-exec.js';
import { factsWith } from '../../probes/helpers/facts.js';

describe('modules/service: direct backend (no service manager)', () => {
  let s: Scratch;
  beforeEach(() => (s = scratchDir()));
  afterEach(() => s.cleanup());

  function ctx(statusExit: number) {
    mkdirSync(join(s.dir, 'var/spool/postfix/pid'), { recursive: true });
    writeFileSync(join(s.dir, 'var/spool/postfix/pid/master.pid'), '   4242\n');
    mkdirSync(join(s.dir, 'proc/4242'), { recursive: true });
    writeFileSync(join(s.dir, 'proc/4242/comm'), 'master\n');
    const exec = fakeExec([{ argv: ['postfix', '-c', '/etc/postfix', 'status'], result: { exitCode: statusExit } }]);
    const facts = factsWith((f) => {
      f.init = { pid1: 'sleep', manager: 'direct' };
    });
    return { exec, fs: createHostFs(s.dir), facts, profile: debianProfile(), dialer: dialSmtp, deadline: Number.POSITIVE_INFINITY, runDir: null };
  }

  it('inspect: Postfix only, its first candidate name; boot state unknown (nothing here starts it at boot)', async () => {
    const units = await directBackend(ctx(0)).inspect(['postfix.service', 'postfix@-.service']);
    assert.deepEqual(units.map((u) => [u.unit, u.exists, u.active, u.enabled, u.toggleable]), [
      ['postfix.service', true, true, null, false],
      ['postfix@-.service', false, true, null, false],
    ]);
    await assert.rejects(directBackend(ctx(0)).inspect(['exim4']), (e: unknown) => e instanceof NotApplicable && /no service manager runs here/.test(e.message));
  });

  it('diff and apply: only start and stop exist without a manager', async () => {
    const b = directBackend(ctx(1));
    assert.equal(b.diff({ verb: 'start', unit: 'postfix.service' }), 'postfix start');
    await assert.rejects(b.apply({ verb: 'enable', unit: 'postfix.service' }), /cannot enable without a service manager/);
  });

  it('verify: running is what counts; enabled cannot be told and is not held against it', async () => {
    const b = directBackend(ctx(0));
    const units = await b.inspect(['postfix.service']);
    assert.equal(b.verify({ service: ['postfix.service'], state: 'started', enabled: true }, units), true);
    assert.equal(b.verify({ service: ['postfix.service'], state: 'stopped' }, units), false);
  });
});
