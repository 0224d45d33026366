// Real postmap and postalias on tables in a scratch config dir (main.cf there names them; the
// alias database is pointed into the scratch dir too, so this machine's /etc/aliases is never
// built). Postfix is not running there: no reload.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { postmapModule } from '../../../../src/modules/postmap/module.js';
import { builtEntries, compareEntries, describeChanges, sourceEntries } from '../../../../src/modules/postmap/entries.js';
import { baseFacts, scratchDir, scratchPostfixConfig, testContext } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';

describe('postmap module (real postmap/postalias on a scratch config dir)', function () {
  this.timeout(30_000);
  let s: Scratch;
  let dir: string;
  let access: string;
  let aliases: string;
  beforeEach(() => {
    s = scratchDir();
    dir = scratchPostfixConfig(s);
    access = join(dir, 'client_access');
    aliases = join(dir, 'aliases');
    writeFileSync(access, '# refused outright\n192.0.2.66 REJECT known spam source\n10.231 REJECT blocked office range\n');
    writeFileSync(aliases, 'postmaster: root\nabuse: root\n');
    execFileSync('postconf', ['-c', dir, '-e', `smtpd_client_restrictions=check_client_access hash:${access}`, `alias_maps=hash:${aliases}`, `alias_database=hash:${aliases}`]);
    const old = new Date(Date.now() - 600_000);
    utimesSync(join(dir, 'main.cf'), old, old);
  });
  afterEach(() => s.cleanup());

  const ctxWith = () => testContext(baseFacts({ configDir: dir }), join(s.dir, 'run'));

  it('builds the tables never built (postmap, postalias for aliases); the plan names the keys, never the values; undo removes them', async () => {
    const ctx = ctxWith();
    const change = postmapModule.diff(ctx, {}, await postmapModule.inspect(ctx, {}));
    assert.ok(change);
    const diff = change.diff.join('\n');
    assert.match(diff, new RegExp(`^~ postmap -c ${dir} hash:${access} {3}\\(${access}\\.db missing: Postfix answers 451 \\(4\\.3\\.x\\) where it is needed: proxy_read_maps, smtpd_client_restrictions\\)$`, 'm'));
    assert.match(diff, new RegExp(`^~ postalias -c ${dir} hash:${aliases} `, 'm'));
    assert.match(diff, /^ {4}\+ 192\.0\.2\.66$/m);
    assert.match(diff, /^ {4}\+ abuse$/m);
    assert.doesNotMatch(diff, /known spam source|REJECT/, 'values are never shown');
    const applied = await postmapModule.apply(ctx, {}, change);
    assert.ok(existsSync(`${access}.db`) && existsSync(`${aliases}.db`));
    assert.equal((await postmapModule.verify(ctx, {}, change)).ok, true);
    assert.equal(postmapModule.diff(ctx, {}, await postmapModule.inspect(ctx, {})), null, 'a second run has nothing to do');
    const out = await postmapModule.undo(ctx, { args: {}, change, ...(applied ? { applied } : {}) });
    assert.ok(out.includes(`${access}.db: removed (it was built by this step)`), out.join('\n'));
    assert.ok(!existsSync(`${access}.db`) && !existsSync(`${aliases}.db`));
  });

  it('a stale table: rebuilt, and undo puts the old compiled file back byte for byte, with its age', async () => {
    execFileSync('postmap', ['-c', dir, `hash:${access}`]);
    execFileSync('postalias', ['-c', dir, `hash:${aliases}`]);
    const oldDb = readFileSync(`${access}.db`);
    const tenMinAgo = new Date(Date.now() - 600_000);
    utimesSync(`${access}.db`, tenMinAgo, tenMinAgo);
    const mtimeBefore = execFileSync('stat', ['-c', '%.9Y', `${access}.db`], { encoding: 'utf8' });
    writeFileSync(access, '# 10.231 unblocked: the office moved\n192.0.2.66 REJECT known spam source, still\n');
    const fiveMinAgo = new Date(Date.now() - 300_000);
    utimesSync(access, fiveMinAgo, fiveMinAgo);

    const ctx = ctxWith();
    const state = await postmapModule.inspect(ctx, {});
    const change = postmapModule.diff(ctx, {}, state);
    assert.ok(change);
    const diff = change.diff.join('\n');
    assert.match(diff, /older than .*client_access: edits to it are not in effect/);
    assert.match(diff, /0 added, 1 removed, 1 changed; 1 entry after the build/);
    assert.match(diff, /^ {4}- 10\.231$/m);
    assert.match(diff, /^ {4}~ 192\.0\.2\.66 \(value changed\)$/m);
    assert.doesNotMatch(diff, /aliases/, 'the current alias table is left alone');

    const applied = await postmapModule.apply(ctx, {}, change);
    assert.notDeepEqual(readFileSync(`${access}.db`), oldDb);
    assert.ok(statSync(`${access}.db`).mtimeMs > statSync(access).mtimeMs);
    await postmapModule.undo(ctx, { args: {}, change, ...(applied ? { applied } : {}) });
    assert.deepEqual(readFileSync(`${access}.db`), oldDb);
    assert.equal(execFileSync('stat', ['-c', '%.9Y', `${access}.db`], { encoding: 'utf8' }), mtimeBefore, 'stale again, as before');
  });

  it('only the tables asked for; one this Postfix does not read is refused', async () => {
    const ctx = ctxWith();
    const change = postmapModule.diff(ctx, { tables: [`hash:${aliases}`] }, await postmapModule.inspect(ctx, { tables: [`hash:${aliases}`] }));
    assert.deepEqual((change?.data as { tables: string[] }).tables, [`hash:${aliases}`]);
    await assert.rejects(postmapModule.inspect(ctx, { tables: [`hash:${join(dir, 'nope')}`] }), /not a table this Postfix reads/);
  });

  it('apply needs a run directory to keep the previous files in', async () => {
    execFileSync('postmap', ['-c', dir, `hash:${access}`]);
    utimesSync(`${access}.db`, new Date(Date.now() - 600_000), new Date(Date.now() - 600_000));
    const ctx = testContext(baseFacts({ configDir: dir }));
    const change = postmapModule.diff(ctx, {}, await postmapModule.inspect(ctx, {}));
    assert.ok(change);
    await assert.rejects(postmapModule.apply(ctx, {}, change), /no run directory/);
  });
});

describe('postmap: what a rebuild changes, by key', () => {
  it('reads sources as postmap and postalias do (comments, continuation lines, lowercased keys)', () => {
    assert.deepEqual([...sourceEntries('# c\nFoo@Example.com   REJECT\n  go away\n\nbar OK\n', false)], [['foo@example.com', 'REJECT go away'], ['bar', 'OK']]);
    assert.deepEqual([...sourceEntries('postmaster: root\n"with space": x\n', true)], [['postmaster', 'root'], ['with space', 'x']]);
    assert.deepEqual([...builtEntries('@\t@\nYP_MASTER_NAME\tvm\npostmaster\troot\n', true)], [['postmaster', 'root']]);
  });

  it('keys added, removed and changed; at most a dozen lines', () => {
    const c = compareEntries(new Map([['a', '1'], ['b', '2']]), new Map([['b', '3'], ['c', '4']]));
    assert.deepEqual(c, { added: ['c'], removed: ['a'], changed: ['b'], total: 2 });
    assert.deepEqual(describeChanges(c), ['    + c', '    - a', '    ~ b (value changed)']);
    const many = compareEntries(null, new Map(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'])));
    assert.equal(describeChanges(many).length, 13);
    assert.equal(describeChanges(many)[12], '    … 8 more');
  });
});
