// Real unix sockets in a scratch directory standing for the queue directory: a listening socket
// is a backend that answers, a path with nothing behind it is not.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { gatherSasl } from '../../../src/facts/sasl.js';
import { readFact } from '../../../src/facts/paths.js';
import { baseFacts, scratchDir, testContext } from '../helpers/context.js';
import type { Scratch } from '../helpers/context.js';

function listen(path: string): Promise<Server> {
  return new Promise((resolve) => {
    const srv = createServer((c) => c.end());
    srv.listen(path, () => resolve(srv));
  });
}

describe('facts/sasl: a SASL backend smtpd could use', () => {
  let s: Scratch;
  let servers: Server[];
  beforeEach(() => {
    s = scratchDir('pf-sasl-');
    servers = [];
  });
  afterEach(async () => {
    await Promise.all(servers.map((srv) => new Promise((r) => srv.close(r))));
    s.cleanup();
  });

  const gather = (queueDir: string, params: Record<string, string> = {}, chrooted = false) => gatherSasl({ ...testContext(baseFacts()), deadline: Date.now() + 2_000 }, { params, queueDir, configDir: join(s.dir, 'postfix'), chrooted });

  it('Dovecot\'s auth socket where every guide puts it (private/auth), before Postfix is told about it', async () => {
    mkdirSync(join(s.dir, 'private'));
    servers.push(await listen(join(s.dir, 'private', 'auth')));
    assert.deepEqual(await gather(s.dir), { available: true, type: 'dovecot', path: 'private/auth', detail: `Dovecot's auth socket ${join(s.dir, 'private/auth')} answers` });
  });

  it('the path main.cf names for Dovecot comes first', async () => {
    mkdirSync(join(s.dir, 'private'));
    servers.push(await listen(join(s.dir, 'private', 'dovecot-auth')));
    const r = await gather(s.dir, { smtpd_sasl_type: 'dovecot', smtpd_sasl_path: 'private/dovecot-auth' });
    assert.equal(r.path, 'private/dovecot-auth');
  });

  it('nothing answers: not available, and the detail names every socket tried and why', async () => {
    const r = await gather(s.dir, {}, true);
    assert.equal(r.available, false);
    assert.match(r.detail, new RegExp(`^no SASL backend answers: Dovecot's auth socket ${join(s.dir, 'private/auth')} → ENOENT; saslauthd ${join(s.dir, 'var/run/saslauthd/mux')} → ENOENT$`));
    const f = baseFacts();
    f.sasl = r;
    assert.equal(readFact(f, 'sasl.problem'), r.detail);
  });

  it('saslauthd answers (chrooted smtpd: inside the queue directory), but counts only with Cyrus SASL set up for it', async () => {
    mkdirSync(join(s.dir, 'var/run/saslauthd'), { recursive: true });
    servers.push(await listen(join(s.dir, 'var/run/saslauthd/mux')));
    const without = await gather(s.dir, {}, true);
    assert.equal(without.available, false);
    assert.match(without.detail, /answers, but Cyrus SASL is not set up to use it/);
    mkdirSync(join(s.dir, 'postfix', 'sasl'), { recursive: true });
    writeFileSync(join(s.dir, 'postfix', 'sasl', 'smtpd.conf'), 'pwcheck_method: saslauthd\nmech_list: PLAIN LOGIN\n');
    const withConf = await gather(s.dir, {}, true);
    assert.deepEqual({ ...withConf, detail: '' }, { available: true, type: 'cyrus', path: 'smtpd', detail: '' });
    const f = baseFacts();
    f.sasl = withConf;
    assert.equal(readFact(f, 'sasl.problem'), '');
  });
});
