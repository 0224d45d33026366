// The webhook's POST on its own: what it refuses to send, and that https means a verified
// certificate (a self-signed one is an error, not a warning). Loopback only, ephemeral ports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { postJson } from '../../../src/exec/http-post.js';
import { scratchDir } from '../helpers/context.js';

describe('exec/http-post', function () {
  this.timeout(20_000);

  it('sends nothing for a URL that is not http(s)', async () => {
    assert.equal((await postJson('ftp://127.0.0.1/x', '{}', { timeoutMs: 500 })).error, 'scheme ftp: not allowed');
    assert.equal((await postJson('not a url', '{}', { timeoutMs: 500 })).error, 'not a URL');
  });

  it('https: a certificate the system does not trust is an error; nothing is posted', async () => {
    const s = scratchDir('pf-http-post-');
    let posted = 0;
    const server = (() => {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(s.dir, 'k.pem'), '-out', join(s.dir, 'c.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
      return createServer({ key: readFileSync(join(s.dir, 'k.pem')), cert: readFileSync(join(s.dir, 'c.pem')) }, (_req, res) => {
        posted++;
        res.end();
      });
    })();
    try {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const r = await postJson(`https://127.0.0.1:${(server.address() as AddressInfo).port}/x`, '{}', { timeoutMs: 3_000 });
      assert.equal(r.status, null);
      assert.match(r.error ?? '', /SELF_SIGNED|CERT|certificate/i);
      assert.equal(posted, 0);
    } finally {
      server.close();
      s.cleanup();
    }
  });
});
