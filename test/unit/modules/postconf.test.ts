import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postconfModule } from '../../../src/modules/postconf/module.js';
import { applyPostconfEdits } from '../../../src/modules/postconf/main-cf.js';
import { baseFacts, scratchDir, scratchPostfixConfig, testContext } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

// Real postconf and `postfix check` against a scratch copy of Debian's config dir: Postfix is not
// running there, so no restart happens — what is tested is the main.cf edit and its undo.
describe('postconf module (real postconf on a scratch config dir)', function () {
  this.timeout(30_000);
  let s: Scratch;
  let dir: string;
  beforeEach(() => {
    s = scratchDir();
    dir = scratchPostfixConfig(s);
  });
  afterEach(() => s.cleanup());

  it('plans the exact main.cf lines postconf -e writes, applies, verifies, and undoes byte for byte', async () => {
    const mainCf = join(dir, 'main.cf');
    writeFileSync(mainCf, readFileSync(mainCf, 'utf8').replace(/^inet_interfaces = .*$/m, 'inet_interfaces = loopback-only'));
    const before = readFileSync(mainCf);
    const ctx = testContext(baseFacts({ configDir: dir }));
    const args = { set: { inet_interfaces: 'all' } };
    const state = await postconfModule.inspect(ctx, args);
    const change = postconfModule.diff(ctx, args, state);
    assert.ok(change);
    assert.ok(change.diff.includes('-inet_interfaces = loopback-only'), change.diff.join('\n'));
    assert.ok(change.diff.includes('+inet_interfaces = all'), change.diff.join('\n'));
    assert.ok(change.diff.some((l) => /restart/.test(l) && /a reload would not apply it/.test(l)), 'inet_interfaces needs a restart, and the plan says why');

    const applied = await postconfModule.apply(ctx, args, change);
    const predicted = applyPostconfEdits(before.toString('utf8'), [['inet_interfaces', 'all']]);
    assert.equal(readFileSync(mainCf, 'utf8'), predicted, 'the plan predicted exactly what postconf wrote');
    assert.equal((await postconfModule.verify(ctx, args, change)).ok, true);
    assert.equal(postconfModule.diff(ctx, args, await postconfModule.inspect(ctx, args)), null, 'a second run has nothing to do');

    const undone = await postconfModule.undo(ctx, { args, change, ...(applied ? { applied } : {}) });
    assert.ok(undone.includes('inet_interfaces = loopback-only'), undone.join('\n'));
    assert.deepEqual(readFileSync(mainCf), before, 'main.cf restored byte for byte');
  });

  it('undo restores only its parameters when someone else edited main.cf meanwhile', async () => {
    const mainCf = join(dir, 'main.cf');
    const ctx = testContext(baseFacts({ configDir: dir }));
    const args = { set: { smtp_connect_timeout: '45s' } };
    const change = postconfModule.diff(ctx, args, await postconfModule.inspect(ctx, args));
    assert.ok(change);
    const applied = await postconfModule.apply(ctx, args, change);
    writeFileSync(mainCf, readFileSync(mainCf, 'utf8') + '# an admin added this line\n');
    const out = await postconfModule.undo(ctx, { args, change, ...(applied ? { applied } : {}) });
    assert.ok(out.some((e) => /changed by someone else/.test(e)), out.join('\n'));
    const text = readFileSync(mainCf, 'utf8');
    assert.match(text, /# an admin added this line/);
    assert.doesNotMatch(text, /smtp_connect_timeout/);
  });

  it('a value that breaks `postfix check` fails the step (and the engine then undoes it)', async () => {
    const ctx = testContext(baseFacts({ configDir: dir }));
    const args = { set: { queue_directory: join(s.dir, 'no-such-queue') } };
    const change = postconfModule.diff(ctx, args, await postconfModule.inspect(ctx, args));
    assert.ok(change);
    await assert.rejects(postconfModule.apply(ctx, args, change), /postfix check/);
    await postconfModule.undo(ctx, { args, change });
    assert.equal(statSync(join(dir, 'main.cf')).isFile(), true);
    assert.doesNotMatch(readFileSync(join(dir, 'main.cf'), 'utf8'), /no-such-queue/);
  });

  it('postconf -e emulation: replaces every definition with its continuation lines, appends new ones', () => {
    const text = 'a = 1\nmynetworks = 127.0.0.0/8\n   10.0.0.0/8\n# c\nmynetworks = x\nb = 2\n';
    assert.equal(applyPostconfEdits(text, [['mynetworks', '127.0.0.0/8'], ['c', '3']]), 'a = 1\nmynetworks = 127.0.0.0/8\n# c\nmynetworks = 127.0.0.0/8\nb = 2\nc = 3\n');
  });

  it('a temporary change says how it ends, in the diff and in change.temporary (kept until its deadline when asked)', async () => {
    const ctx = testContext(baseFacts({ configDir: dir }));
    const args = { set: { milter_default_action: 'accept' }, apply: 'reload' as const, temporary: { seconds: 600, reason: 'mail without the milter, on request', until_deadline: true } };
    const change = postconfModule.diff(ctx, args, await postconfModule.inspect(ctx, args));
    assert.ok(change);
    assert.deepEqual(change.temporary, { seconds: 600, reason: 'mail without the milter, on request', untilDeadline: true });
    assert.ok(change.diff.some((l) => /undone 600 s after it is made \(it stays after this run\)/.test(l)), change.diff.join('\n'));
    const inRun = { ...args, temporary: { seconds: 60, reason: 'trial' } };
    const c2 = postconfModule.diff(ctx, inRun, await postconfModule.inspect(ctx, inRun));
    assert.deepEqual(c2?.temporary, { seconds: 60, reason: 'trial' });
    assert.ok(c2?.diff.some((l) => /undone at the end of this run, or after 60 s at the latest/.test(l)));
    const plain = postconfModule.diff(ctx, { set: { milter_default_action: 'accept' } }, await postconfModule.inspect(ctx, { set: { milter_default_action: 'accept' } }));
    assert.equal(plain?.temporary, undefined);
  });
});

