// The chroot-copies module on a scratch root laid out like a Debian host (/etc and the queue
// directory's etc/): what differs is planned with its lines, copied as the start script copies
// it, verified, and undone byte for byte — a copy that did not exist is removed again.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StepFailure } from '../../../src/core/errors.js';
import { createHostFs } from '../../../src/exec/host-fs.js';
import { chrootCopiesModule as mod } from '../../../src/modules/chroot-copies/module.js';
import type { Change, ModuleContext } from '../../../src/modules/types.js';
import { baseFacts, scratchDir, testContext } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

describe('modules/chroot-copies', () => {
  let s: Scratch;
  let ctx: ModuleContext;
  const at = (p: string): string => join(s.dir, p);
  const OLD_HOSTS = '127.0.0.1\tlocalhost\n';
  const NEW_HOSTS = '127.0.0.1\tlocalhost\n192.0.2.7\tmail.partner.test\n';

  beforeEach(() => {
    s = scratchDir('pf-chroot-');
    mkdirSync(at('etc'), { recursive: true });
    mkdirSync(at('var/spool/postfix/etc'), { recursive: true });
    mkdirSync(at('usr/share/zoneinfo'), { recursive: true });
    writeFileSync(at('etc/hosts'), NEW_HOSTS);
    chmodSync(at('etc/hosts'), 0o640);
    writeFileSync(at('etc/resolv.conf'), 'nameserver 192.0.2.53\n');
    writeFileSync(at('usr/share/zoneinfo/UTC'), Buffer.from([0x54, 0x5a, 0x69, 0x66, 0, 1, 2]));
    symlinkSync('../usr/share/zoneinfo/UTC', at('etc/localtime'));
    // The chroot as a start left it, before /etc/hosts was edited; no localtime copy at all.
    writeFileSync(at('var/spool/postfix/etc/hosts'), OLD_HOSTS);
    chmodSync(at('var/spool/postfix/etc/hosts'), 0o644);
    writeFileSync(at('var/spool/postfix/etc/resolv.conf'), 'nameserver 192.0.2.53\n');
    ctx = { ...testContext(baseFacts()), fs: createHostFs(s.dir) };
  });
  afterEach(() => s.cleanup());

  const plan = async (args = {}): Promise<Change | null> => mod.diff(ctx, args, await mod.inspect(ctx, args));

  it('plans only the copies that differ or are missing, with the lines that change', async () => {
    const change = await plan();
    assert.ok(change);
    assert.equal(change.summary, 'refresh 2 stale chroot copies: localtime, hosts');
    const diff = change.diff.join('\n');
    assert.match(diff, /~ cp \/etc\/hosts \/var\/spool\/postfix\/etc\/hosts; chmod a\+rX \/var\/spool\/postfix\/etc\/hosts {3}\(the copy differs: sha256 /);
    assert.match(diff, /^ {2}\+192\.0\.2\.7\tmail\.partner\.test$/m);
    assert.match(diff, /~ cp \/etc\/localtime .*\(no copy yet\)/);
    assert.doesNotMatch(diff, /resolv\.conf/);
  });

  it('apply copies as the start script does (content, readable by all, root-owned); verify; undo restores byte for byte', async () => {
    const args = {};
    const change = await plan(args);
    assert.ok(change);
    await mod.apply(ctx, args, change);
    assert.equal(readFileSync(at('var/spool/postfix/etc/hosts'), 'utf8'), NEW_HOSTS);
    assert.equal(statSync(at('var/spool/postfix/etc/hosts')).mode & 0o7777, 0o644, '0640 | a+r');
    assert.deepEqual(readFileSync(at('var/spool/postfix/etc/localtime')), readFileSync(at('usr/share/zoneinfo/UTC')), 'the symlink is followed, as cp does');
    const v = await mod.verify(ctx, args, change);
    assert.equal(v.ok, true, v.evidence.join('\n'));
    assert.equal(await plan(args), null, 'a second look finds nothing to do');

    const evidence = await mod.undo(ctx, { args, change });
    assert.equal(readFileSync(at('var/spool/postfix/etc/hosts'), 'utf8'), OLD_HOSTS);
    assert.equal(existsSync(at('var/spool/postfix/etc/localtime')), false, 'a copy that was not there is removed');
    assert.ok(evidence.some((e) => /hosts: old copy restored byte for byte/.test(e)), evidence.join('\n'));
    assert.deepEqual(await mod.undo(ctx, { args, change }).then((e) => e.length), 2, 'undo is idempotent');
  });

  it('an /etc file edited after the plan is not copied: apply refuses, naming it', async () => {
    const change = await plan();
    assert.ok(change);
    writeFileSync(at('etc/hosts'), `${NEW_HOSTS}192.0.2.8\tother.test\n`);
    await assert.rejects(mod.apply(ctx, {}, change), (e: unknown) => e instanceof StepFailure && /\/etc\/hosts changed since the plan was made/.test(e.message));
  });

  it('verify says which copy still differs', async () => {
    const change = await plan();
    assert.ok(change);
    const v = await mod.verify(ctx, {}, change);
    assert.equal(v.ok, false);
    assert.ok(v.evidence.includes('/var/spool/postfix/etc/hosts: still differs from /etc/hosts'), v.evidence.join('\n'));
  });

  it('only files under /etc are accepted, never a path that climbs out', () => {
    const schema = mod.argsSchema as { properties: { files: { items: { pattern: string; not: { pattern: string } } } } };
    const ok = (p: string): boolean => new RegExp(schema.properties.files.items.pattern).test(p) && !new RegExp(schema.properties.files.items.not.pattern).test(p);
    assert.deepEqual(['/etc/hosts', '/etc/mailname', '/etc/../root/.ssh/id', '/var/spool/x', 'etc/hosts'].map(ok), [true, true, false, false, false]);
  });
});
