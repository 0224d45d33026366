// Real postconf -M/-P/-MX on a scratch copy of Debian's config dir (Postfix is not running
// there, so nothing reloads): what is tested is that the plan predicts master.cf byte for byte,
// and that undo puts it back.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { masterServiceModule } from '../../../../src/modules/master-service/module.js';
import type { Change } from '../../../../src/modules/types.js';
import type { JsonObject } from '../../../../src/core/json.js';
import { baseFacts, scratchDir, scratchPostfixConfig, testContext } from '../../helpers/context.js';
import type { Scratch } from '../../helpers/context.js';

/** The file the plan's diff promises: its `+` lines and context, applied to the file as it was. */
function addedLines(change: Change): string[] {
  return change.diff.filter((l) => l.startsWith('+') && !l.startsWith('+++')).map((l) => l.slice(1));
}

describe('master-service module (real postconf on a scratch config dir)', function () {
  this.timeout(30_000);
  let s: Scratch;
  let dir: string;
  let masterCf: string;
  beforeEach(() => {
    s = scratchDir();
    dir = scratchPostfixConfig(s);
    masterCf = join(dir, 'master.cf');
  });
  afterEach(() => s.cleanup());

  const run = async (args: JsonObject) => {
    const ctx = testContext(baseFacts({ configDir: dir }));
    const before = readFileSync(masterCf);
    const change = masterServiceModule.diff(ctx, args, await masterServiceModule.inspect(ctx, args));
    assert.ok(change, 'a change is planned');
    const predicted = (change.data as { expectedSha256: string }).expectedSha256;
    const applied = await masterServiceModule.apply(ctx, args, change);
    return { ctx, before, change, predicted, applied };
  };

  it('adds a service with its -o options at the end, exactly as planned; verify, idempotent, undo byte for byte', async () => {
    const args = { service: 'submission', fields: 'n - y - - smtpd', params: { syslog_name: 'postfix/submission', smtpd_tls_security_level: 'encrypt', smtpd_client_restrictions: 'permit_sasl_authenticated,reject' } };
    const { ctx, before, change, applied } = await run(args);
    const after = readFileSync(masterCf, 'utf8');
    assert.equal(after, `${before.toString('utf8')}${addedLines(change).join('\n')}\n`);
    assert.deepEqual(addedLines(change), ['submission inet  n       -       y       -       -       smtpd', '    -o syslog_name=postfix/submission', '    -o smtpd_tls_security_level=encrypt', '    -o smtpd_client_restrictions=permit_sasl_authenticated,reject']);
    assert.ok(change.diff.includes("~ postconf -c " + dir + " -M 'submission/inet=submission inet n - y - - smtpd -o syslog_name=postfix/submission -o smtpd_tls_security_level=encrypt -o smtpd_client_restrictions=permit_sasl_authenticated,reject'"), change.diff.join('\n'));
    // Debian's commented sample block is left as it was.
    assert.match(after, /^#submission inet n {7}- {7}y {7}- {7}- {7}smtpd$/m);
    const v = await masterServiceModule.verify(ctx, args, change);
    assert.equal(v.ok, true, v.evidence.join('\n'));
    assert.ok(v.evidence.some((e) => /Postfix is not running: the service starts with it/.test(e)), v.evidence.join('\n'));
    assert.equal(masterServiceModule.diff(ctx, args, await masterServiceModule.inspect(ctx, args)), null, 'a second run has nothing to do');
    await masterServiceModule.undo(ctx, { args, change, ...(applied ? { applied } : {}) });
    assert.deepEqual(readFileSync(masterCf), before);
  });

  it('sets -o options on an existing entry: rewritten in postconf\'s layout, comments inside and after it moved above it, as planned', async () => {
    appendFileSync(masterCf, 'submission inet n - y - - smtpd\n# a comment inside\n  -o syslog_name=postfix/submission\n#  -o smtpd_tls_security_level=encrypt\n\n  -o smtpd_sasl_auth_enable=yes\n# trailing comment\n\nfoo       unix  -       -       n       -       -       smtp\n');
    const args = { service: 'submission', fields: 'n - y - - smtpd', params: { syslog_name: 'x', smtpd_client_restrictions: 'permit_sasl_authenticated,reject', smtpd_sasl_auth_enable: 'yes' } };
    const { ctx, before, change, predicted, applied } = await run(args);
    assert.ok(change.diff.some((l) => /submission\/inet exists .*: its fields are kept/.test(l)), change.diff.join('\n'));
    assert.match(change.summary, /^set syslog_name=x, smtpd_client_restrictions=permit_sasl_authenticated,reject on submission\/inet/);
    const after = readFileSync(masterCf, 'utf8');
    const { createHash } = await import('node:crypto');
    assert.equal(createHash('sha256').update(after).digest('hex'), predicted, `postconf wrote:\n${after.split('\n').slice(-14).join('\n')}`);
    await masterServiceModule.undo(ctx, { args, change, ...(applied ? { applied } : {}) });
    assert.deepEqual(readFileSync(masterCf), before);
  });

  it('an existing entry with other fields keeps them (postscreen stays postscreen); long commands fold as postconf folds them', async () => {
    const long = 'n - y - - smtpd -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v -v';
    const longArgs = { service: 'longone', fields: long, params: { syslog_name: 'postfix/long' } };
    const { ctx, before, change, predicted, applied } = await run(longArgs);
    const { createHash } = await import('node:crypto');
    const after = readFileSync(masterCf, 'utf8');
    assert.equal(createHash('sha256').update(after).digest('hex'), predicted, after.split('\n').slice(-5).join('\n'));
    await masterServiceModule.undo(ctx, { args: longArgs, change, ...(applied ? { applied } : {}) });
    assert.deepEqual(readFileSync(masterCf), before);
    const smtpArgs = { service: 'smtp', fields: 'n - n - 1 postscreen', params: { syslog_name: 'postfix/smtp-in' } };
    const smtp = await run(smtpArgs);
    assert.match(readFileSync(masterCf, 'utf8'), /^smtp {7}inet {2}n {7}- {7}y {7}- {7}- {7}smtpd\n {4}-o syslog_name=postfix\/smtp-in$/m);
    await masterServiceModule.undo(smtp.ctx, { args: smtpArgs, change: smtp.change, ...(smtp.applied ? { applied: smtp.applied } : {}) });
    assert.deepEqual(readFileSync(masterCf), before);
  });

  it('removes a service (-MX), leaving comments where they were; undo puts it back', async () => {
    appendFileSync(masterCf, 'gone      unix  -       -       n       -       -       smtp\n# kept\n  -o syslog_name=gone\n');
    const args = { service: 'gone', type: 'unix', state: 'absent' };
    const { ctx, before, change, predicted, applied } = await run(args);
    const after = readFileSync(masterCf, 'utf8');
    const { createHash } = await import('node:crypto');
    assert.equal(createHash('sha256').update(after).digest('hex'), predicted);
    assert.ok(after.endsWith('# kept\n'), after.slice(-60));
    assert.equal((await masterServiceModule.verify(ctx, args, change)).ok, true);
    await masterServiceModule.undo(ctx, { args, change, ...(applied ? { applied } : {}) });
    assert.deepEqual(readFileSync(masterCf), before);
  });

  it('undo after someone else edited master.cf takes back only what the step did, through postconf', async () => {
    const args = { service: 'submission', fields: 'n - y - - smtpd', params: { syslog_name: 'postfix/submission' } };
    const { ctx, change, applied } = await run(args);
    writeFileSync(masterCf, `${readFileSync(masterCf, 'utf8')}# an admin added this line\n`);
    const out = await masterServiceModule.undo(ctx, { args, change, ...(applied ? { applied } : {}) });
    assert.ok(out.some((e) => /changed by someone else/.test(e)), out.join('\n'));
    const text = readFileSync(masterCf, 'utf8');
    assert.match(text, /# an admin added this line/);
    assert.doesNotMatch(text, /^submission\s+inet/m);
  });

  it('a service that does not exist and no fields to create it: not applicable (the runbook is blocked)', async () => {
    const ctx = testContext(baseFacts({ configDir: dir }));
    const args = { service: 'submission', params: { syslog_name: 'x' } };
    await assert.rejects(async () => masterServiceModule.diff(ctx, args, await masterServiceModule.inspect(ctx, args)), /no fields to create it with/);
  });
});
